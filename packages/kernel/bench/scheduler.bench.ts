import { bench, describe } from 'vitest';
import { createRandom, VirtualScheduler } from '../src/index.js';

/** Each bench iteration dispatches this many events; events/s = hz * EVENTS_PER_RUN. */
const EVENTS_PER_RUN = 100_000;
const PENDING_TIMERS = 1_000;
const MANY_PENDING_TIMERS = 10_000;

// Precomputed delays so both contenders pay the same (zero) PRNG cost per event.
const rng = createRandom(2024);
const DELAYS = Array.from({ length: 1 << 16 }, () => rng.int(1, 10_000));

/** What a user might write first: a queue kept sorted by (time, seq) with binary search + splice. */
class SortedArrayScheduler {
  private queue: Array<{ at: number; seq: number; fn: () => void }> = [];
  private seq = 0;
  private nowNs = 0;

  now(): number {
    return this.nowNs;
  }

  setTimer(delayNs: number, fn: () => void): void {
    const at = this.nowNs + delayNs;
    const seq = this.seq++;
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = this.queue[mid]!;
      if (e.at < at || (e.at === at && e.seq < seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, { at, seq, fn });
  }

  step(): boolean {
    const e = this.queue.shift();
    if (e === undefined) return false;
    this.nowNs = e.at;
    e.fn();
    return true;
  }
}

interface Steppable {
  setTimer(delayNs: number, fn: () => void): unknown;
  step(): boolean;
}

function rearmingWorkload(s: Steppable, pending = PENDING_TIMERS): void {
  let i = 0;
  const fire = (): void => {
    s.setTimer(DELAYS[i++ & 0xffff]!, fire);
  };
  for (let t = 0; t < pending; t++) s.setTimer(DELAYS[t]!, fire);
  for (let n = 0; n < EVENTS_PER_RUN; n++) s.step();
}

describe(`dispatch ${EVENTS_PER_RUN} events, ${PENDING_TIMERS} pending timers re-arming at random delays`, () => {
  bench('VirtualScheduler (typed-array binary heap)', () => {
    rearmingWorkload(new VirtualScheduler());
  });
  bench('sorted array with splice insertion', () => {
    rearmingWorkload(new SortedArrayScheduler());
  });
});

describe(`dispatch ${EVENTS_PER_RUN} events, ${MANY_PENDING_TIMERS} pending timers re-arming at random delays`, () => {
  bench('VirtualScheduler (typed-array binary heap)', () => {
    rearmingWorkload(new VirtualScheduler(), MANY_PENDING_TIMERS);
  });
  bench('sorted array with splice insertion', () => {
    rearmingWorkload(new SortedArrayScheduler(), MANY_PENDING_TIMERS);
  });
});

describe(`same, with every other re-arm cancelled and replaced (lazy deletion)`, () => {
  bench('VirtualScheduler set+cancel+set', () => {
    const s = new VirtualScheduler();
    let i = 0;
    const fire = (): void => {
      const h = s.setTimer(DELAYS[i++ & 0xffff]!, fire);
      if (i & 1) {
        h.cancel();
        s.setTimer(DELAYS[i++ & 0xffff]!, fire);
      }
    };
    for (let t = 0; t < PENDING_TIMERS; t++) s.setTimer(DELAYS[t]!, fire);
    for (let n = 0; n < EVENTS_PER_RUN; n++) s.step();
  });
});
