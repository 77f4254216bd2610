import { Counters } from '@rdmalab/kernel';
import { describe, expect, it } from 'vitest';
import { RING_EMPTY, type SendCtx, SendctxError, SendctxRing } from '../src/index.js';

type Ctx = SendCtx<string, string>;

function take(ring: SendctxRing<string, string>): Ctx {
  const c = ring.get();
  if (c === RING_EMPTY) throw new Error('ring unexpectedly empty');
  return c;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof SendctxError) return e.code;
    throw e;
  }
  return undefined;
}

describe('SendctxRing', () => {
  it('hands out at most size - 1 contexts, starting after slot 0, then reports empty', () => {
    const ring = new SendctxRing<string, string>({ size: 4 });
    expect([take(ring).index, take(ring).index, take(ring).index]).toEqual([1, 2, 3]);
    expect(ring.outstanding).toBe(3);
    expect(ring.get()).toBe(RING_EMPTY);
    expect(ring.counters.get('empty_sendctx_q')).toBe(1);
  });

  it('builds each slot SGE array once and keeps it across reuse', () => {
    const ring = new SendctxRing<string, string>({ size: 3, createSges: (i) => [`hdr${i}`, `inline${i}`] });
    const a = take(ring);
    expect(a.sges).toEqual(['hdr1', 'inline1']);
    ring.put(a);
    take(ring);
    const again = take(ring);
    expect(again.index).toBe(0);
    expect(again.sges).toEqual(['hdr0', 'inline0']);
  });

  it('put walks from after tail through the completed context, releasing each in order', () => {
    const released: Array<[number, string | null, number]> = [];
    const ring = new SendctxRing<string, string>({
      size: 6,
      release: (c) => released.push([c.index, c.req, c.unmapCount]),
    });
    const ctxs = [take(ring), take(ring), take(ring), take(ring)];
    ctxs.forEach((c, i) => {
      c.req = `rpc${i}`;
      c.unmapCount = i;
    });
    // Only the third Send was signaled: its completion retires the two unsignaled ones before it.
    expect(ring.put(ctxs[2]!)).toBe(3);
    expect(released).toEqual([
      [1, 'rpc0', 0],
      [2, 'rpc1', 1],
      [3, 'rpc2', 2],
    ]);
    expect(ctxs[0]!.req).toBeNull();
    expect(ctxs[2]!.unmapCount).toBe(0);
    expect(ring.tail).toBe(3);
    expect(ring.outstanding).toBe(1);
    expect(ctxs[3]!.req).toBe('rpc3');
  });

  it('wraps around without losing a slot over many laps', () => {
    const ring = new SendctxRing<string, string>({ size: 5 });
    const seen: number[] = [];
    for (let i = 0; i < 23; i++) {
      const c = take(ring);
      seen.push(c.index);
      ring.put(c);
    }
    expect(seen.slice(0, 7)).toEqual([1, 2, 3, 4, 0, 1, 2]);
    expect(ring.outstanding).toBe(0);
    for (let i = 0; i < 4; i++) take(ring);
    expect(ring.get()).toBe(RING_EMPTY);
  });

  it('unget returns the slot just taken, so failed preparations never fill the ring', () => {
    const ring = new SendctxRing<string, string>({ size: 3 });
    for (let i = 0; i < 10; i++) {
      const c = take(ring);
      c.req = 'failed';
      ring.unget(c);
      expect(c.req).toBeNull();
    }
    expect(ring.outstanding).toBe(0);
    expect(ring.counters.get('sendctx_unget')).toBe(10);
    expect(take(ring).index).toBe(1);
  });

  it('rejects wrong use with typed errors and leaves the ring intact', () => {
    expect(codeOf(() => new SendctxRing({ size: 1 }))).toBe('EINVAL');
    expect(codeOf(() => new SendctxRing({ size: 2.5 }))).toBe('EINVAL');
    const ring = new SendctxRing<string, string>({ size: 4 });
    const other = new SendctxRing<string, string>({ size: 4 });
    const a = take(ring);
    const b = take(ring);
    expect(codeOf(() => ring.put(take(other)))).toBe('EFOREIGN');
    expect(codeOf(() => ring.put(ring.contexts[3]!))).toBe('ESTALE'); // never handed out
    expect(codeOf(() => ring.unget(a))).toBe('EINVAL'); // outstanding, but not the last taken
    ring.put(a);
    expect(codeOf(() => ring.put(a))).toBe('ESTALE'); // already retired
    expect(codeOf(() => ring.unget(a))).toBe('ESTALE');
    expect(ring.outstanding).toBe(1);
    expect(ring.put(b)).toBe(1);
    expect(codeOf(() => ring.unget(b))).toBe('ESTALE'); // nothing outstanding
    expect(new SendctxError('EINVAL', 'x').message).toBe('EINVAL: x');
  });

  it('flush releases every outstanding context in ring order (disconnect)', () => {
    const released: number[] = [];
    const counters = new Counters();
    const ring = new SendctxRing<string, string>({
      size: 5,
      counters,
      release: (c) => released.push(c.index),
    });
    const a = take(ring);
    take(ring);
    ring.put(a);
    take(ring);
    take(ring);
    take(ring);
    expect(ring.flush()).toBe(4);
    expect(released).toEqual([1, 2, 3, 4, 0]);
    expect(ring.outstanding).toBe(0);
    expect(ring.flush()).toBe(0);
    expect(counters.get('sendctx_flushed')).toBe(4);
  });

  it('a throwing release hook leaves tail on the last released context, so nothing is released twice', () => {
    const released: number[] = [];
    let fail = true;
    const ring = new SendctxRing<string, string>({
      size: 5,
      release: (c) => {
        if (c.index === 2 && fail) {
          fail = false;
          throw new Error('unmap failed');
        }
        released.push(c.index);
      },
    });
    take(ring);
    take(ring);
    const c = take(ring);
    expect(() => ring.put(c)).toThrow('unmap failed');
    expect(ring.tail).toBe(1);
    expect(ring.put(c)).toBe(2);
    expect(released).toEqual([1, 2, 3]);
  });

  it('isOutstanding follows hand-out and retirement', () => {
    const ring = new SendctxRing<string, string>({ size: 3 });
    const a = take(ring);
    expect(ring.isOutstanding(a)).toBe(true);
    expect(ring.isOutstanding(ring.contexts[2]!)).toBe(false);
    ring.put(a);
    expect(ring.isOutstanding(a)).toBe(false);
  });
});
