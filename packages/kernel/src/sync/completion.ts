import { WaitQueue } from './wait-queue.js';

/**
 * Like struct completion: complete() lets exactly one waiter through (now, or the next one to
 * wait if nobody waits yet); completeAll() lets every present and future waiter through until
 * reinit().
 */
export class Completion {
  private count = 0;
  private readonly queue = new WaitQueue();

  /** True when a wait would not block (completion_done()). */
  get done(): boolean {
    return this.count > 0;
  }

  complete(): void {
    if (!this.queue.wakeOne()) this.count++;
  }

  completeAll(): void {
    this.count = Number.POSITIVE_INFINITY;
    this.queue.wakeAll();
  }

  wait(): Promise<void> {
    return new Promise((resolve) => this.onDone(resolve));
  }

  /** Callback flavour of wait(): fn runs synchronously now if done, else at the waking complete. */
  onDone(fn: () => void): void {
    if (this.count > 0) {
      this.count--;
      fn();
      return;
    }
    this.queue.add(fn);
  }

  /** Forget past completions (reinit_completion()); queued waiters keep waiting. */
  reinit(): void {
    this.count = 0;
  }
}
