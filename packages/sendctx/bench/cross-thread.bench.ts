import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { SHARED_RING_EMPTY, SharedSendctxRing } from '../src/index.js';
import { POSTED, STOP, startCompletionWorker } from '../test/workers/doorbell.js';

/** Items per bench call; items/s = ITEMS × the reported hz. */
const ITEMS = 1_000_000;

const ring = SharedSendctxRing.create({ size: 130, payloadWords: 1 });
let completion: ReturnType<typeof startCompletionWorker>;
let posted = 0;
// Vitest's module runner turns every read of an imported binding into a getter call; hoist it.
const EMPTY = SHARED_RING_EMPTY;

// The alternative a user would pick: post each item to a worker and get a completion message back.
const echoSource = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => parentPort.postMessage(m));
`;
let echo: Worker;

beforeAll(() => {
  completion = startCompletionWorker(ring, false, 16);
  echo = new Worker(echoSource, { eval: true });
});

afterAll(async () => {
  Atomics.store(completion.doorbell, STOP, 1);
  Atomics.notify(completion.doorbell, POSTED);
  await completion.result;
  await echo.terminate();
});

describe(`main thread -> worker completion handler, ${ITEMS} items per call (items/s = hz × ${ITEMS})`, () => {
  bench(
    'SharedSendctxRing (worker retires with put)',
    () => {
      const words = ring.words;
      for (let i = 0; i < ITEMS; ) {
        const slot = ring.get();
        if (slot === EMPTY) {
          Atomics.store(completion.doorbell, POSTED, posted);
          Atomics.notify(completion.doorbell, POSTED);
          ring.waitForSpace(1000);
          continue;
        }
        words[slot] = posted++;
        i++;
        // Ring the doorbell once per post list of 16 Sends, as ib_post_send does for a WR chain.
        if ((posted & 15) === 0) Atomics.store(completion.doorbell, POSTED, posted);
      }
      Atomics.store(completion.doorbell, POSTED, posted);
      Atomics.notify(completion.doorbell, POSTED);
      while (ring.outstanding !== 0) {
        // the worker retires the last post list; wait for it
      }
    },
    { time: 2000 },
  );

  bench(
    'MessagePort postMessage + reply per item',
    async () => {
      let done = 0;
      await new Promise<void>((resolve) => {
        const onReply = (): void => {
          if (++done === ITEMS) {
            echo.off('message', onReply);
            resolve();
          }
        };
        echo.on('message', onReply);
        for (let i = 0; i < ITEMS; i++) echo.postMessage(i);
      });
    },
    { time: 2000, iterations: 3 },
  );
});
