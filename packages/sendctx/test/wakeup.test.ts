import { Counters, type Scheduler, VirtualScheduler } from '@rdmalab/kernel';
import { describe, expect, it } from 'vitest';
import {
  FlagBitWakeup,
  RING_EMPTY,
  SendctxRing,
  UnconditionalWakeup,
  type WakeupPolicy,
  WriteSpaceQueue,
} from '../src/index.js';

interface Run {
  sent: number;
  retired: number;
  ring: SendctxRing<never, number>;
  space: WriteSpaceQueue;
  counters: Counters;
  endNs: number;
}

/**
 * A minimal transport on virtual time: one sender posts `rpcs` Sends back to back, each Send's
 * completion arrives `completionNs` later and retires it; on an empty ring the sender waits for
 * write space and retries from the wake-up.
 */
function runSender(policy: (s: Scheduler) => WakeupPolicy, rpcs: number, completionNs: number): Run {
  const scheduler = new VirtualScheduler();
  const space = new WriteSpaceQueue();
  const counters = new Counters();
  const ring = new SendctxRing<never, number>({
    size: 3,
    wakeup: policy(scheduler),
    writeSpace: space,
    counters,
  });
  let next = 0;
  let sent = 0;
  let retired = 0;
  const send = (): void => {
    while (next < rpcs) {
      const ctx = ring.get(() => scheduler.setTimer(0, send, 'retry'));
      if (ctx === RING_EMPTY) return;
      ctx.req = next++;
      sent++;
      scheduler.setTimer(completionNs, () => {
        retired += ring.put(ctx);
      });
    }
  };
  scheduler.setTimer(0, send);
  scheduler.runUntilIdle();
  return { sent, retired, ring, space, counters, endNs: scheduler.now() };
}

describe('write-space wake-up policies on a 3-slot ring', () => {
  it('flag-bit (2017–2019) loses the wake-up when the completions land before the RPC layer sleeps', () => {
    // get sets EMPTY_SCQ at t=0; the RPC layer marks the transport congested and sleeps at t=2000;
    // both completions arrive at t=1000: the first clears EMPTY_SCQ but finds the transport not
    // congested, so nobody is woken, and the second no longer sees EMPTY_SCQ.
    const run = runSender((scheduler) => new FlagBitWakeup({ scheduler, sleepAfterNs: 2000 }), 6, 1000);
    expect(run.sent).toBe(2);
    expect(run.retired).toBe(2);
    expect(run.ring.outstanding).toBe(0); // every Send retired...
    expect(run.space.congested).toBe(true); // ...yet the transport stays congested
    expect(run.space.waiting).toBe(1); // with the sender asleep and nothing left to wake it
    expect(run.counters.get('empty_sendctx_q')).toBe(1);
  });

  it('flag-bit works when the sender is asleep before the completion arrives', () => {
    const run = runSender((scheduler) => new FlagBitWakeup({ scheduler, sleepAfterNs: 0 }), 6, 1000);
    expect(run.sent).toBe(6);
    expect(run.space.waiting).toBe(0);
  });

  it('unconditional (2019+) never stalls, for the same timing', () => {
    const run = runSender(() => new UnconditionalWakeup(), 6, 1000);
    expect(run.sent).toBe(6);
    expect(run.retired).toBe(6);
    expect(run.ring.outstanding).toBe(0);
    expect(run.space.congested).toBe(false);
    expect(run.space.waiting).toBe(0);
    expect(run.counters.get('empty_sendctx_q')).toBe(2);
    expect(run.endNs).toBe(3000);
  });

  it('unconditional queues the writer inside get, and any retirement wakes it', () => {
    const space = new WriteSpaceQueue();
    const ring = new SendctxRing<never, number>({ size: 2, writeSpace: space });
    const a = ring.get();
    let woken = 0;
    expect(ring.get(() => woken++)).toBe(RING_EMPTY);
    expect(space.congested).toBe(true);
    expect(space.waiting).toBe(1);
    if (a === RING_EMPTY) throw new Error('first get must succeed');
    ring.put(a);
    expect(woken).toBe(1);
    expect(space.congested).toBe(false);
  });

  it('unget wakes writers too (the 2026 prep-failure fix)', () => {
    const space = new WriteSpaceQueue();
    const ring = new SendctxRing<never, number>({ size: 2, writeSpace: space });
    const a = ring.get();
    let woken = 0;
    ring.get(() => woken++);
    if (a === RING_EMPTY) throw new Error('first get must succeed');
    ring.unget(a);
    expect(woken).toBe(1);
  });
});
