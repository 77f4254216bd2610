import { TraceError, type TraceEvent, type TraceSink } from '../trace-event.js';

/** Keeps the last `capacity` events in memory; older ones are overwritten and counted in dropped. */
export class MemoryRingSink implements TraceSink {
  private readonly ring: TraceEvent[] = [];
  private head = 0;
  private overwritten = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new TraceError(`MemoryRingSink capacity must be an integer >= 1, got ${capacity}`);
    }
  }

  /** Events overwritten because the ring was full. */
  get dropped(): number {
    return this.overwritten;
  }

  write(event: TraceEvent): void {
    if (this.ring.length < this.capacity) {
      this.ring.push(event);
      return;
    }
    this.ring[this.head] = event;
    this.head = (this.head + 1) % this.capacity;
    this.overwritten++;
  }

  /** Held events, oldest first. */
  events(): TraceEvent[] {
    return [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
  }

  clear(): void {
    this.ring.length = 0;
    this.head = 0;
    this.overwritten = 0;
  }
}
