import Denque from 'denque';
import { afterAll, bench, describe } from 'vitest';
import { RING_EMPTY, type SendCtx, SendctxRing, SHARED_RING_EMPTY, SharedSendctxRing } from '../src/index.js';

/** Pairs per bench call, so the harness's own per-call cost does not swamp a few ns. */
const PAIRS = 1000;
/** A transport's ring: 128 request slots + 2 backchannel. */
const SIZE = 130;

type Ctx = SendCtx<number, number>;

const ring = new SendctxRing<number, number>({ size: SIZE, release: (c) => void c });
const shared = SharedSendctxRing.create({ size: SIZE });

// The alternatives a user would reach for: a free list of contexts as a FIFO.
const array: Ctx[] = [];
const denque = new Denque<Ctx>();
for (let index = 0; index < SIZE - 1; index++) {
  array.push({ index, sges: [], req: null, unmapCount: 0 });
  denque.push({ index, sges: [], req: null, unmapCount: 0 });
}

let sink = 0;
// Vitest's module runner turns every read of an imported binding into a getter call (~20 ns
// here); plain Node ESM does not, so hoist the sentinels as a user's module effectively has them.
const EMPTY: typeof RING_EMPTY = RING_EMPTY;
const SHARED_EMPTY = SHARED_RING_EMPTY;

describe(`send context get + put, ${PAIRS} pairs per call (divide the time by ${PAIRS})`, () => {
  bench('SendctxRing get + put', () => {
    for (let i = 0; i < PAIRS; i++) {
      const c = ring.get();
      if (c === EMPTY) throw new Error('ring empty');
      c.req = i;
      sink += ring.put(c);
    }
  });

  bench('SharedSendctxRing get + put (one thread)', () => {
    for (let i = 0; i < PAIRS; i++) {
      const s = shared.get();
      if (s === SHARED_EMPTY) throw new Error('ring empty');
      sink += shared.put(s);
    }
  });

  bench('Array shift + push', () => {
    for (let i = 0; i < PAIRS; i++) {
      const c = array.shift();
      if (c === undefined) throw new Error('queue empty');
      c.req = i;
      c.req = null;
      array.push(c);
      sink += 1;
    }
  });

  bench('denque shift + push', () => {
    for (let i = 0; i < PAIRS; i++) {
      const c = denque.shift();
      if (c === undefined) throw new Error('queue empty');
      c.req = i;
      c.req = null;
      denque.push(c);
      sink += 1;
    }
  });
});

// Using the results keeps the loops from being optimized away.
afterAll(() => {
  if (sink === 0) throw new Error('benchmarks did no work');
});
