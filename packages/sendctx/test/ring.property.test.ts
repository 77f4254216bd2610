import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RING_EMPTY, SendctxError, SendctxRing, SHARED_RING_EMPTY, SharedSendctxRing } from '../src/index.js';

/** A command on the ring; `pick` chooses among candidates so every generated run is valid input. */
type Command =
  | { op: 'get' }
  | { op: 'put'; pick: number } // complete the pick-th outstanding context (0 = oldest)
  | { op: 'put-bad'; slot: number } // put of an arbitrary slot (often not outstanding)
  | { op: 'unget' }
  | { op: 'unget-bad'; pick: number }
  | { op: 'flush' };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Command>({ op: 'get' }) },
  { weight: 3, arbitrary: fc.nat(8).map((pick): Command => ({ op: 'put', pick })) },
  { weight: 1, arbitrary: fc.nat(8).map((slot): Command => ({ op: 'put-bad', slot })) },
  { weight: 2, arbitrary: fc.constant<Command>({ op: 'unget' }) },
  { weight: 1, arbitrary: fc.nat(8).map((pick): Command => ({ op: 'unget-bad', pick })) },
  { weight: 1, arbitrary: fc.constant<Command>({ op: 'flush' }) },
);

/** The reference: a plain FIFO of outstanding slots and modular arithmetic. */
class ReferenceRing {
  head = 0;
  tail = 0;
  readonly outstanding: number[] = [];
  constructor(readonly size: number) {}
  get(): number | 'empty' {
    if (this.outstanding.length === this.size - 1) return 'empty';
    this.head = (this.head + 1) % this.size;
    this.outstanding.push(this.head);
    return this.head;
  }
  put(slot: number): number[] | 'ESTALE' {
    const i = this.outstanding.indexOf(slot);
    if (i < 0) return 'ESTALE';
    const released = this.outstanding.splice(0, i + 1);
    this.tail = slot;
    return released;
  }
  unget(slot: number): 'ok' | 'ESTALE' | 'EINVAL' {
    const i = this.outstanding.indexOf(slot);
    if (i < 0) return 'ESTALE';
    if (i !== this.outstanding.length - 1) return 'EINVAL';
    this.outstanding.pop();
    this.head = (this.head - 1 + this.size) % this.size;
    return 'ok';
  }
  flush(): number[] {
    const released = this.outstanding.splice(0);
    this.tail = this.head;
    return released;
  }
}

/** What both implementations look like to the property: slot numbers in, slot numbers out. */
interface RingUnderTest {
  get(): number | 'empty';
  put(slot: number): number[];
  unget(slot: number): void;
  flush(): number[];
  readonly head: number;
  readonly tail: number;
  readonly outstanding: number;
}

function objectRing(size: number): RingUnderTest {
  let released: number[] = [];
  const ring = new SendctxRing<number, string>({ size, release: (c) => released.push(c.index) });
  const drain = (): number[] => {
    const r = released;
    released = [];
    return r;
  };
  return {
    get: () => {
      const c = ring.get();
      return c === RING_EMPTY ? 'empty' : c.index;
    },
    put: (slot) => {
      ring.put(ring.contexts[slot]!);
      return drain();
    },
    unget: (slot) => ring.unget(ring.contexts[slot]!),
    flush: () => {
      ring.flush();
      return drain();
    },
    get head() {
      return ring.head;
    },
    get tail() {
      return ring.tail;
    },
    get outstanding() {
      return ring.outstanding;
    },
  };
}

function sharedRing(size: number): RingUnderTest {
  const ring = SharedSendctxRing.create({ size });
  let released: number[] = [];
  const hook = (slot: number): void => {
    released.push(slot);
  };
  const drain = (): number[] => {
    const r = released;
    released = [];
    return r;
  };
  return {
    get: () => {
      const s = ring.get();
      return s === SHARED_RING_EMPTY ? 'empty' : s;
    },
    put: (slot) => {
      ring.put(slot, hook);
      return drain();
    },
    unget: (slot) => ring.unget(slot),
    flush: () => {
      ring.flush(hook);
      return drain();
    },
    get head() {
      return ring.head;
    },
    get tail() {
      return ring.tail;
    },
    get outstanding() {
      return ring.outstanding;
    },
  };
}

function errorCode(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof SendctxError) return e.code;
    throw e;
  }
}

function run(make: (size: number) => RingUnderTest, size: number, commands: Command[]): void {
  const ring = make(size);
  const ref = new ReferenceRing(size);
  for (const cmd of commands) {
    switch (cmd.op) {
      case 'get':
        expect(ring.get()).toBe(ref.get());
        break;
      case 'put': {
        if (ref.outstanding.length === 0) break;
        const slot = ref.outstanding[cmd.pick % ref.outstanding.length]!;
        expect(ring.put(slot)).toEqual(ref.put(slot));
        break;
      }
      case 'put-bad': {
        const slot = cmd.slot % size;
        const expected = ref.outstanding.includes(slot) ? null : 'ESTALE';
        if (expected === null) expect(ring.put(slot)).toEqual(ref.put(slot));
        else expect(errorCode(() => ring.put(slot))).toBe('ESTALE');
        break;
      }
      case 'unget': {
        if (ref.outstanding.length === 0) break;
        const slot = ref.outstanding[ref.outstanding.length - 1]!;
        expect(errorCode(() => ring.unget(slot))).toBe(ref.unget(slot));
        break;
      }
      case 'unget-bad': {
        const slot = cmd.pick % size;
        expect(errorCode(() => ring.unget(slot))).toBe(ref.unget(slot));
        break;
      }
      case 'flush':
        expect(ring.flush()).toEqual(ref.flush());
        break;
    }
    expect(ring.outstanding).toBe(ref.outstanding.length);
    expect(ring.head).toBe(ref.head);
    expect(ring.tail).toBe(ref.tail);
  }
}

describe.each([
  ['SendctxRing', objectRing],
  ['SharedSendctxRing', sharedRing],
])('%s against a FIFO reference model', (_name, make) => {
  it('agrees on every result, release order, error and index for random get/put/unget/flush runs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 9 }),
        fc.array(commandArb, { maxLength: 200 }),
        (size, commands) => {
          run(make, size, commands);
        },
      ),
      { numRuns: 400 },
    );
  });
});
