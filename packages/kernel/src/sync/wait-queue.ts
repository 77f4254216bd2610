/**
 * A FIFO of waiters, like the kernel's wait_queue_head_t, for single-threaded code: a waiter is a
 * callback (add) or a promise (wait). Waking removes the waiter before calling it, so a woken
 * waiter that must wait again re-adds itself.
 */
export class WaitQueue {
  // Map keeps insertion order and deletes in O(1), which is all a FIFO with removal needs.
  private readonly waiters = new Map<number, () => void>();
  private nextId = 0;

  get length(): number {
    return this.waiters.size;
  }

  /** Queue a callback; returns a function that removes it (a no-op once it was woken). */
  add(waiter: () => void): () => void {
    const id = this.nextId++;
    this.waiters.set(id, waiter);
    return () => {
      this.waiters.delete(id);
    };
  }

  /** Resolves on the next wakeOne/wakeAll that reaches this waiter. */
  wait(): Promise<void> {
    return new Promise((resolve) => {
      this.add(resolve);
    });
  }

  /** Wake the oldest waiter; false if none was waiting. */
  wakeOne(): boolean {
    for (const [id, waiter] of this.waiters) {
      this.waiters.delete(id);
      waiter();
      return true;
    }
    return false;
  }

  /** Wake every waiter queued now (not those added while waking); returns how many. */
  wakeAll(): number {
    const woken = [...this.waiters.values()];
    this.waiters.clear();
    for (const waiter of woken) waiter();
    return woken.length;
  }
}
