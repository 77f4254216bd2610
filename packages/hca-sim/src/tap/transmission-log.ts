/**
 * One QP's remembered first transmissions, oldest first, each findable by PSN.
 *
 * A FIFO array plus a PSN → slot map holding numbers only. (A Map from PSN to the entry objects
 * themselves, churning on every packet, made every scavenge slow — the young entries it pointed to
 * cost more than the rest of the fabric's allocations together.)
 */
export class TransmissionLog<T extends { readonly psn: number }> {
  private slots: (T | undefined)[] = [];
  /** Absolute slot number of slots[0]. */
  private base = 0;
  /** Position in `slots` of the oldest entry still kept. */
  private head = 0;
  /** PSN → absolute slot number of its entry. */
  private readonly byPsn = new Map<number, number>();

  get size(): number {
    return this.slots.length - this.head;
  }

  get(psn: number): T | undefined {
    const slot = this.byPsn.get(psn);
    return slot === undefined ? undefined : this.slots[slot - this.base];
  }

  /** Append the newest entry; an older entry of the same PSN is shadowed (`get` finds the newer). */
  push(entry: T): void {
    this.byPsn.set(entry.psn, this.base + this.slots.length);
    this.slots.push(entry);
  }

  /** The oldest entry, or undefined when empty. */
  oldest(): T | undefined {
    return this.slots[this.head];
  }

  /** Remove and return the oldest entry. */
  shift(): T | undefined {
    const entry = this.slots[this.head];
    if (entry === undefined) return undefined;
    this.slots[this.head] = undefined;
    if (this.byPsn.get(entry.psn) === this.base + this.head) this.byPsn.delete(entry.psn);
    this.head++;
    if (this.head === this.slots.length) {
      this.base += this.slots.length;
      this.slots.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.slots.length) {
      // Compact in bulk: neither grow forever nor shift the array on every removal.
      this.slots = this.slots.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
    return entry;
  }
}
