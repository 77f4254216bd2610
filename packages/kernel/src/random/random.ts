import type { InjectionToken } from 'tsyringe';

/** A seeded pseudo-random stream. Same seed → same sequence, on every platform. */
export interface Random {
  /** Uniform integer in 0 .. 2^32-1. */
  nextU32(): number;
  /** Uniform in [0, 1) with 32 bits of precision. */
  next(): number;
  /** Uniform integer in [minInclusive, maxExclusive), unbiased. */
  int(minInclusive: number, maxExclusive: number): number;
  /** True with the given probability (0..1). */
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Fisher–Yates in place; returns items. */
  shuffle<T>(items: T[]): T[];
  /**
   * An independent stream derived from this stream's seed and label only (not from how many
   * values were drawn), so adding draws in one subsystem never shifts another's stream.
   */
  fork(label: string): Random;
  readonly seed: number;
}

/** The stack's root random stream; subsystems fork it by name. */
export const RANDOM: InjectionToken<Random> = Symbol('rdmalab.kernel.Random');
