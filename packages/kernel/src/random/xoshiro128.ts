import { RandomError } from './errors.js';
import type { Random } from './random.js';
import { splitmix32 } from './splitmix32.js';

const TWO_32 = 0x1_0000_0000;
const TWO_21 = 0x20_0000;

/**
 * xoshiro128** 1.1 (Blackman & Vigna): 128-bit state, period 2^128-1, 32-bit integer ops only,
 * which JS runs natively through `| 0` and Math.imul.
 */
export class Xoshiro128StarStar implements Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Build from raw state words (not all zero); `createRandom` is the usual entry point. */
  constructor(
    state: readonly [number, number, number, number],
    readonly seed: number,
  ) {
    [this.s0, this.s1, this.s2, this.s3] = state.map((w) => w | 0) as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) {
      throw new RandomError('xoshiro128** state must not be all zero');
    }
  }

  nextU32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  next(): number {
    return this.nextU32() / TWO_32;
  }

  int(minInclusive: number, maxExclusive: number): number {
    if (!Number.isSafeInteger(minInclusive) || !Number.isSafeInteger(maxExclusive)) {
      throw new RandomError(`int bounds must be safe integers, got [${minInclusive}, ${maxExclusive})`);
    }
    const range = maxExclusive - minInclusive;
    if (range <= 0 || !Number.isSafeInteger(range)) {
      throw new RandomError(`int needs minInclusive < maxExclusive, got [${minInclusive}, ${maxExclusive})`);
    }
    // Rejection sampling: drop the top partial bucket so every result is equally likely.
    if (range <= TWO_32) {
      const limit = TWO_32 - (TWO_32 % range);
      for (;;) {
        const r = this.nextU32();
        if (r < limit) return minInclusive + (r % range);
      }
    }
    const span = Number.MAX_SAFE_INTEGER + 1;
    const limit = span - (span % range);
    for (;;) {
      const r = (this.nextU32() % TWO_21) * TWO_32 + this.nextU32();
      if (r < limit) return minInclusive + (r % range);
    }
  }

  chance(probability: number): boolean {
    if (!(probability >= 0 && probability <= 1)) {
      throw new RandomError(`probability must be in [0, 1], got ${probability}`);
    }
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RandomError('pick from an empty array');
    return items[this.int(0, items.length)] as T;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  fork(label: string): Random {
    if (typeof label !== 'string') throw new RandomError('fork label must be a string');
    return createRandom(forkSeed(this.seed, label));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** FNV-1a of the label's UTF-16 units, mixed with the parent seed. */
function forkSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ fold32(seed);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return splitmix32(h).value;
}

/** Seeds above 2^32 (e.g. Date.now()) keep their high bits instead of being truncated. */
function fold32(seed: number): number {
  return (seed >>> 0) ^ Math.floor(seed / TWO_32);
}

/** A Random from a 32-bit-ish integer seed: xoshiro128** with its state expanded by splitmix32. */
export function createRandom(seed: number): Random {
  if (!Number.isSafeInteger(seed)) throw new RandomError(`seed must be a safe integer, got ${seed}`);
  let sm = fold32(seed);
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    const step = splitmix32(sm);
    sm = step.state;
    words.push(step.value);
  }
  // Never all zero: the four Weyl states differ and the mixer is a bijection, so at most one word is 0.
  return new Xoshiro128StarStar(words as [number, number, number, number], seed);
}
