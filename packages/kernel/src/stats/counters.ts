import type { InjectionToken } from 'tsyringe';

export class CounterError extends Error {
  override readonly name = 'CounterError';
  readonly code = 'EINVAL';
  constructor(message: string) {
    super(`EINVAL: ${message}`);
  }
}

/** A named monotonic-ish statistic (like a mountstats field); hold it to skip the name lookup. */
export interface Counter {
  inc(by?: number): void;
  readonly value: number;
  readonly name: string;
}

class NamedCounter implements Counter {
  value = 0;
  constructor(readonly name: string) {}

  inc(by = 1): void {
    if (!Number.isFinite(by)) throw new CounterError(`counter ${this.name}: inc by ${by}`);
    this.value += by;
  }
}

/** A set of named counters, created on first use. */
export class Counters {
  private readonly byName = new Map<string, NamedCounter>();

  counter(name: string): Counter {
    let c = this.byName.get(name);
    if (c === undefined) {
      if (typeof name !== 'string' || name.length === 0) {
        throw new CounterError(`counter name must be a non-empty string, got ${String(name)}`);
      }
      c = new NamedCounter(name);
      this.byName.set(name, c);
    }
    return c;
  }

  /** Value of a counter; 0 if it was never used. */
  get(name: string): number {
    return this.byName.get(name)?.value ?? 0;
  }

  /** All counters, keys sorted by name. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of [...this.byName.keys()].sort()) out[name] = this.byName.get(name)!.value;
    return out;
  }

  /** Zero every counter; Counter objects already handed out stay valid. */
  reset(): void {
    for (const c of this.byName.values()) c.value = 0;
  }
}

/** The host's counters; one per host (child container) under registerKernel. */
export const COUNTERS: InjectionToken<Counters> = Symbol('rdmalab.kernel.Counters');
