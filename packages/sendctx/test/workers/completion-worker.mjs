// The Send completion handler of a SharedSendctxRing, run in a worker thread. Plain JS because
// worker_threads cannot load TypeScript: it imports the package's built dist/ (the package's
// `test` task runs after its own `build`; locally run `npx tsc -p tsconfig.build.json` first).
// It imports the ring module directly so it needs no other package's dist.
import { parentPort, workerData } from 'node:worker_threads';
import { SharedSendctxRing } from '../../dist/shared/shared-ring.js';

// Doorbell words shared with the consumer (see test/workers/doorbell.ts).
const POSTED = 0; // Sends posted so far (the consumer's doorbell)
const STOP = 1; // consumer says: no more Sends after POSTED
const POISON = -1; // payload word of a slot that is free

const { ring: ringBuffer, doorbell: doorbellBuffer, check, seed, batch: fixedBatch } = workerData;
const ring = new SharedSendctxRing(ringBuffer);
const doorbell = new Int32Array(doorbellBuffer);
const words = ring.words;
const stride = ring.payloadWords;

let retired = 0; // Sends retired so far = the sequence number the next released slot must carry
let failure = null;
let rnd = seed >>> 0 || 1;

// Release hook: runs for every slot the walk retires, in ring order.
const release = (slot) => {
  const at = slot * stride;
  if (check && failure === null && words[at] !== retired) {
    failure = `slot ${slot} carries sequence ${words[at]} but Send ${retired} was due (lost, duplicated or reordered)`;
  }
  words[at] = POISON;
  retired++;
};

let idleSpins = 0;
for (;;) {
  const posted = Atomics.load(doorbell, POSTED);
  const pending = posted - retired;
  if (pending > 0) {
    idleSpins = 0;
    // The HCA signals once per batch: a fixed batch (the kernel signals every 16th Send of 128
    // slots) or, when testing, a random batch of 1..8; at most what is posted retires at once.
    let batch = fixedBatch;
    if (batch === 0) {
      rnd ^= rnd << 13;
      rnd ^= rnd >>> 17;
      rnd ^= rnd << 5;
      batch = ((rnd >>> 0) & 7) + 1;
    }
    if (batch > pending) batch = pending;
    let target = ring.tail + batch;
    if (target >= ring.size) target -= ring.size;
    ring.put(target, release);
    if (failure !== null) break;
    continue;
  }
  if (Atomics.load(doorbell, STOP) === 1 && Atomics.load(doorbell, POSTED) === retired) break;
  if (++idleSpins > 1000) {
    Atomics.wait(doorbell, POSTED, posted, 1);
    idleSpins = 0;
  }
}
parentPort.postMessage({ retired, failure, counters: ring.counters() });
