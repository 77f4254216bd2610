/**
 * A FIFO addressed by absolute, ever-increasing indices (like rxe's producer/consumer counters), so a
 * WQE keeps its index from post to retirement while the storage behind it is compacted.
 */
export class WqeQueue<T> {
  private items: (T | undefined)[] = [];
  /** Absolute index of items[0]. */
  private base = 0;
  /** Position in `items` of the oldest live item (everything before it was dropped). */
  private start = 0;

  /** Absolute index the next push gets. */
  get tail(): number {
    return this.base + this.items.length;
  }

  /** Absolute index of the oldest item still held. */
  get head(): number {
    return this.base + this.start;
  }

  get size(): number {
    return this.items.length - this.start;
  }

  push(item: T): number {
    this.items.push(item);
    return this.tail - 1;
  }

  /** The item at an absolute index, or undefined if dropped or not yet pushed. */
  at(index: number): T | undefined {
    const i = index - this.base;
    return i >= this.start ? this.items[i] : undefined;
  }

  /** Drop every item below absolute `index`. */
  dropBefore(index: number): void {
    const end = Math.min(index - this.base, this.items.length);
    for (let i = this.start; i < end; i++) this.items[i] = undefined;
    if (end > this.start) this.start = end;
    // Compact in bulk so a long-lived queue neither grows forever nor shifts on every retirement.
    if (this.start >= 1024 && this.start * 2 >= this.items.length) {
      this.items = this.items.slice(this.start);
      this.base += this.start;
      this.start = 0;
    }
  }

  /** Forget everything; the next push continues the index sequence. */
  clear(): void {
    this.base = this.tail;
    this.items = [];
    this.start = 0;
  }
}
