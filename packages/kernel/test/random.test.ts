import { describe, expect, it } from 'vitest';
import { createRandom, RandomError, Xoshiro128StarStar } from '../src/index.js';

describe('xoshiro128** seeded by splitmix32', () => {
  it('matches the reference C implementation (state 1,2,3,4)', () => {
    // Outputs of Blackman & Vigna's xoshiro128starstar.c with s = {1, 2, 3, 4}.
    const r = new Xoshiro128StarStar([1, 2, 3, 4], 0);
    const got = Array.from({ length: 8 }, () => r.nextU32());
    expect(got).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
  });

  it('expands a seed with splitmix32 exactly as the C reference does', () => {
    // C: sm = 1; s[i] = splitmix32() x4; then xoshiro128** next() x6.
    const r = createRandom(1);
    const got = Array.from({ length: 6 }, () => r.nextU32());
    expect(got).toEqual([393288148, 2174103013, 3814759091, 2092745082, 1865176206, 2179171167]);
    expect(r.seed).toBe(1);
  });

  it('repeats per seed and differs across seeds', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const sa = Array.from({ length: 100 }, () => a.nextU32());
    expect(Array.from({ length: 100 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 100 }, () => c.nextU32())).not.toEqual(sa);
  });

  it('spreads int() evenly over its range and keeps next() in [0, 1)', () => {
    const r = createRandom(7);
    const buckets = new Array<number>(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) buckets[r.int(0, 10)]!++;
    // Chi-square with 9 degrees of freedom: 27.9 is the p = 0.001 critical value.
    const chi2 = buckets.reduce((s, b) => s + (b - n / 10) ** 2 / (n / 10), 0);
    expect(chi2).toBeLessThan(27.9);
    let sum = 0;
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      sum += x;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.01);
    const big = r.int(0, 2 ** 40);
    expect(Number.isInteger(big) && big >= 0 && big < 2 ** 40).toBe(true);
    expect(r.int(-5, -4)).toBe(-5);
  });

  it('forks independent streams that depend only on seed and label', () => {
    const root = createRandom(9);
    const a1 = root.fork('host-a');
    root.nextU32();
    const a2 = root.fork('host-a');
    const b = root.fork('host-b');
    const s1 = Array.from({ length: 50 }, () => a1.nextU32());
    expect(Array.from({ length: 50 }, () => a2.nextU32())).toEqual(s1);
    const sb = Array.from({ length: 50 }, () => b.nextU32());
    expect(sb).not.toEqual(s1);
    const shared = s1.filter((v) => sb.includes(v));
    expect(shared).toHaveLength(0);
    expect(a1.seed).not.toBe(root.seed);
  });

  it('chance, pick and shuffle behave and reject bad input with RandomError', () => {
    const r = createRandom(3);
    expect(r.chance(0)).toBe(false);
    expect(r.chance(1)).toBe(true);
    const items = [1, 2, 3, 4, 5, 6, 7, 8];
    const shuffled = r.shuffle([...items]);
    expect([...shuffled].sort()).toEqual(items);
    expect(shuffled).not.toEqual(items);
    expect(items).toContain(r.pick(items));
    expect(() => r.pick([])).toThrow(RandomError);
    expect(() => r.int(5, 5)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => r.chance(1.5)).toThrow(RandomError);
    expect(() => createRandom(0.5)).toThrow(RandomError);
  });
});
