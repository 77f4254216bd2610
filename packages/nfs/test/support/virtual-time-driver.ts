import type { VirtualScheduler } from '@rdmalab/kernel';

/** Why a driven promise was given up on. */
export class DriverError extends Error {
  constructor(
    readonly code: 'ETIMEDOUT' | 'EDEADLK',
    message: string,
  ) {
    super(message);
    this.name = 'DriverError';
  }
}

export interface VirtualTimeDriverOptions {
  /** Virtual ns a driven promise may take before it is rejected with ETIMEDOUT. Default 600 s. */
  readonly timeoutNs?: number;
  /**
   * Wall ms with nothing scheduled in virtual time before the waiters are rejected with EDEADLK
   * (they wait on something that virtual time will never bring). Default 5000.
   */
  readonly stallMs?: number;
}

interface Waiter {
  readonly deadlineNs: number;
  readonly fail: (error: DriverError) => void;
}

/**
 * Runs a VirtualScheduler while promise-based code awaits work that only virtual time completes
 * (an NFS call over the simulated HCA). One event per event-loop turn: between two events every
 * microtask and immediate runs, so the code reacting to a completion acts at the virtual instant
 * it happened, as it would against a real clock. Any number of promises may be driven at once;
 * they share one pump.
 */
export class VirtualTimeDriver {
  readonly #scheduler: VirtualScheduler;
  readonly #timeoutNs: number;
  readonly #stallMs: number;
  readonly #waiters = new Set<Waiter>();
  #pumping = false;
  /** Events stepped by this driver so far. */
  events = 0;

  constructor(scheduler: VirtualScheduler, options: VirtualTimeDriverOptions = {}) {
    this.#scheduler = scheduler;
    this.#timeoutNs = options.timeoutNs ?? 600_000_000_000;
    this.#stallMs = options.stallMs ?? 5000;
  }

  /** `work`'s outcome, with virtual time run until it settles. */
  run<T>(work: Promise<T>, timeoutNs = this.#timeoutNs): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = { deadlineNs: this.#scheduler.now() + timeoutNs, fail: reject };
      this.#waiters.add(waiter);
      work.then(
        (value) => {
          this.#waiters.delete(waiter);
          resolve(value);
        },
        (error: unknown) => {
          this.#waiters.delete(waiter);
          reject(error);
        },
      );
      void this.#pump();
    });
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    let idleSince: number | undefined;
    try {
      while (this.#waiters.size > 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.#waiters.size === 0) break;
        const next = this.#scheduler.nextDeadline();
        if (next === undefined) {
          // Nothing scheduled: the waiters may still be on real I/O or timers; give them wall time.
          idleSince ??= Date.now();
          if (Date.now() - idleSince > this.#stallMs) {
            this.#failAll(
              'EDEADLK',
              `nothing scheduled in virtual time for ${this.#stallMs} ms of wall time`,
            );
          }
          continue;
        }
        idleSince = undefined;
        for (const w of this.#waiters) {
          if (next > w.deadlineNs) {
            this.#waiters.delete(w);
            w.fail(new DriverError('ETIMEDOUT', `not settled by virtual time ${w.deadlineNs} ns`));
          }
        }
        if (this.#waiters.size === 0) break;
        this.#scheduler.step();
        this.events++;
      }
    } finally {
      this.#pumping = false;
    }
  }

  #failAll(code: 'EDEADLK', message: string): void {
    for (const w of this.#waiters) w.fail(new DriverError(code, message));
    this.#waiters.clear();
  }
}
