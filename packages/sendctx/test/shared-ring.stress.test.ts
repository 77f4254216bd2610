import { describe, expect, it } from 'vitest';
import { SHARED_RING_EMPTY, SharedSendctxRing } from '../src/index.js';
import { POISON, POSTED, STOP, startCompletionWorker } from './workers/doorbell.js';

/**
 * The send path runs here (main thread), the Send completion handler in a worker
 * (test/workers/completion-worker.mjs, which loads the built dist/). Each Send writes its
 * sequence number into its slot; the completion handler checks it retires them in order, so a
 * slot handed out twice, lost or reordered is caught. The consumer checks that every slot it
 * gets was poisoned by the producer's release, so a slot still in flight is never reused.
 */
async function stress(size: number, total: number, seed: number) {
  const ring = SharedSendctxRing.create({ size, payloadWords: 1 });
  ring.words.fill(POISON);
  const worker = startCompletionWorker(ring, true, 0, seed);
  const words = ring.words;
  let seq = 0;
  let ungets = 0;
  let lastFailed = -1;
  let reused: string | null = null;
  let lostWakeups = 0;
  let empties = 0;
  try {
    while (seq < total) {
      const slot = ring.get();
      if (slot === SHARED_RING_EMPTY) {
        empties++;
        // Ring the doorbell so an idle completion worker looks now, then sleep for write space.
        Atomics.notify(worker.doorbell, POSTED);
        // A lost wake-up would leave us here for the full timeout with space available.
        if (ring.waitForSpace(5000) === 'timed-out') {
          lostWakeups++;
          break;
        }
        continue;
      }
      if (words[slot] !== POISON) {
        reused = `slot ${slot} handed out while it still carries Send ${words[slot]}`;
        break;
      }
      // Every 13th Send fails preparation once: its slot goes back with unget.
      if (seq % 13 === 5 && lastFailed !== seq) {
        lastFailed = seq;
        ring.unget(slot);
        ungets++;
        continue;
      }
      words[slot] = seq++;
      Atomics.store(worker.doorbell, POSTED, seq);
    }
  } finally {
    Atomics.store(worker.doorbell, STOP, 1);
  }
  const result = await worker.result;
  return { ring, result, reused, lostWakeups, ungets, empties, posted: seq };
}

describe('SharedSendctxRing across two threads', () => {
  it('4M Sends through a 130-slot ring: none handed out twice, none lost, all in order', async () => {
    const r = await stress(130, 4_000_000, 0x9e3779b9);
    expect(r.reused).toBeNull();
    expect(r.lostWakeups).toBe(0);
    expect(r.result.failure).toBeNull();
    expect(r.result.retired).toBe(4_000_000);
    expect(r.ring.outstanding).toBe(0);
    expect(r.result.counters.sendctx_unget).toBe(r.ungets);
    expect(r.ungets).toBeGreaterThan(300_000);
  });

  it('1M Sends through a 4-slot ring: the ring runs empty often and every wake-up arrives', async () => {
    const r = await stress(4, 1_000_000, 12345);
    expect(r.reused).toBeNull();
    expect(r.lostWakeups).toBe(0);
    expect(r.result.failure).toBeNull();
    expect(r.result.retired).toBe(1_000_000);
    expect(r.empties).toBeGreaterThan(0);
    expect(r.result.counters.empty_sendctx_q).toBe(r.empties);
  });
});
