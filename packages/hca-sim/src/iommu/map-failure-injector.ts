import type { Clock, Random } from '@rdmalab/kernel';
import {
  checkCount,
  checkProbability,
  checkWindow,
  inWindow,
  type TimeWindow,
} from '../fault/time-window.js';

/** When DMA map calls on one host fail. */
export interface MapFailureRule {
  /** Fail from the nth map call (1-based, counted over the host's life; default 1). */
  nth?: number;
  /** Fail at most this many calls (default unlimited). */
  count?: number;
  /** Fail each candidate call with this probability (seeded; default 1). */
  probability?: number;
  /** Only map calls made during this virtual-time window count as candidates. */
  window?: TimeWindow;
}

/**
 * Decides, per DMA map call, whether the IOMMU refuses it (the way an exhausted IOVA space or a
 * fault-injection framework makes dma_map_page fail). Deterministic: seeded random, virtual clock.
 */
export class MapFailureInjector {
  readonly #rules: { rule: MapFailureRule; failed: number }[] = [];
  #calls = 0;
  #failures = 0;

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  add(rule: MapFailureRule, field = 'dmaMapFailure'): void {
    checkCount(`${field}.nth`, rule.nth, 1);
    checkCount(`${field}.count`, rule.count, 0);
    checkProbability(`${field}.probability`, rule.probability);
    checkWindow(`${field}.window`, rule.window);
    this.#rules.push({ rule: { ...rule }, failed: 0 });
  }

  /** Count one map call; true when it must fail. */
  nextMapFails(): boolean {
    const call = ++this.#calls;
    if (this.#rules.length === 0) return false;
    const now = this.clock.now();
    for (const entry of this.#rules) {
      const { rule } = entry;
      if (call < (rule.nth ?? 1)) continue;
      if (entry.failed >= (rule.count ?? Number.POSITIVE_INFINITY)) continue;
      if (!inWindow(rule.window, now)) continue;
      if (rule.probability !== undefined && !this.random.chance(rule.probability)) continue;
      entry.failed++;
      this.#failures++;
      return true;
    }
    return false;
  }

  /** Map calls seen. */
  get calls(): number {
    return this.#calls;
  }

  /** Map calls made to fail. */
  get failures(): number {
    return this.#failures;
  }
}
