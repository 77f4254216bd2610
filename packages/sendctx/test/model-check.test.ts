import { describe, expect, it } from 'vitest';
import { checkRingModel, SendctxError } from '../src/index.js';

describe('checkRingModel: the ring protocol, one shared-memory step at a time', () => {
  it.each([2, 3, 4, 5])(
    'the protocol holds for size %i over every interleaving of 6 Send attempts',
    (size) => {
      const r = checkRingModel({ size, depth: 6 });
      expect(r.violation).toBeUndefined();
      expect(r.ok).toBe(true);
      // Enough to fill and drain the ring with stale tail reads interleaved.
      expect(r.states).toBeGreaterThan(500);
      expect(r.maxSteps).toBeGreaterThan(25);
    },
  );

  it('holds deeper for size 3 (8 attempts: several laps of the ring)', () => {
    expect(checkRingModel({ size: 3, depth: 8 }).ok).toBe(true);
  });

  it('finds the false empty when the empty test is head == tail', () => {
    const r = checkRingModel({ size: 4, depth: 4, variant: 'empty-if-head-equals-tail' });
    expect(r.ok).toBe(false);
    expect(r.violation?.kind).toBe('false-empty');
    expect(r.violation?.trace).toEqual([
      'consumer: load tail -> 0',
      'consumer: next(head 0) vs tail 0; empty',
    ]);
  });

  it('finds a double hand-out when the tail is published before the walk releases', () => {
    const r = checkRingModel({ size: 3, depth: 6, variant: 'publish-tail-before-release' });
    expect(r.ok).toBe(false);
    expect(r.violation?.kind).toBe('double-handout');
    expect(r.violation?.trace.some((l) => l.startsWith('completion: store tail'))).toBe(true);
    expect(r.violation?.trace.at(-1)).toMatch(/take slot \d/);
  });

  it('finds the lost slots when failed preparations keep their slot (pre-2026)', () => {
    const r = checkRingModel({ size: 3, depth: 4, variant: 'leak-on-prep-failure' });
    expect(r.ok).toBe(false);
    expect(r.violation?.kind).toBe('lost-slot');
    expect(r.violation?.trace.filter((l) => l.includes('preparation fails'))).toHaveLength(2);
  });

  it('finds the lost wake-up of the 2017–2019 flag-bit discipline', () => {
    const r = checkRingModel({ size: 3, depth: 4, wakeup: 'flag-bit' });
    expect(r.ok).toBe(false);
    expect(r.violation?.kind).toBe('stall');
    expect(r.violation?.trace).toContain('completion: test_and_clear(EMPTY_SCQ) -> false');
    expect(r.violation?.trace.at(-1)).toBe('consumer: set write-space bit, sleep');
  });

  it('finds the window in the literal post-2019 shape (tail read once, bit set later, no re-check)', () => {
    const r = checkRingModel({ size: 3, depth: 4, wakeup: 'unconditional-late-register' });
    expect(r.ok).toBe(false);
    expect(r.violation?.kind).toBe('stall');
    expect(r.violation?.trace).toContain(
      'completion: write-space wake-up: test_and_clear(write-space bit) -> false',
    );
  });

  it('explores stale tail reads, and they are what some interleavings need', () => {
    const stale = checkRingModel({ size: 3, depth: 5 });
    const fresh = checkRingModel({ size: 3, depth: 5, staleTail: false });
    expect(stale.ok && fresh.ok).toBe(true);
    expect(stale.states).toBeGreaterThan(fresh.states);
  });

  it('rejects bad options and bounds the search', () => {
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        return e instanceof SendctxError ? e.code : 'other';
      }
      return undefined;
    };
    expect(code(() => checkRingModel({ size: 1, depth: 3 }))).toBe('EINVAL');
    expect(code(() => checkRingModel({ size: 3, depth: 0 }))).toBe('EINVAL');
    expect(code(() => checkRingModel({ size: 4, depth: 6, maxStates: 100 }))).toBe('E2BIG');
  });
});
