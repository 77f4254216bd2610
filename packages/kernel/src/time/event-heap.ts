/**
 * Binary min-heap keyed by (time, seq) with the keys in parallel Float64Arrays, so sifting
 * compares unboxed doubles instead of chasing object pointers. seq is unique per push, which
 * makes the order total and therefore deterministic.
 */
export class EventHeap<T> {
  private times = new Float64Array(256);
  private seqs = new Float64Array(256);
  private items: (T | undefined)[] = [];
  private n = 0;

  get size(): number {
    return this.n;
  }

  /** Time of the earliest entry, Infinity when empty. */
  peekTime(): number {
    return this.n === 0 ? Number.POSITIVE_INFINITY : this.times[0]!;
  }

  peek(): T | undefined {
    return this.n === 0 ? undefined : this.items[0];
  }

  push(time: number, seq: number, item: T): void {
    if (this.n === this.times.length) this.grow();
    const times = this.times;
    const seqs = this.seqs;
    const items = this.items;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p]!;
      if (pt < time || (pt === time && seqs[p]! < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[p]!;
      items[i] = items[p];
      i = p;
    }
    times[i] = time;
    seqs[i] = seq;
    items[i] = item;
  }

  pop(): T | undefined {
    const n = this.n;
    if (n === 0) return undefined;
    const items = this.items;
    const top = items[0];
    const last = n - 1;
    this.n = last;
    if (last > 0) this.siftDown(0, this.times[last]!, this.seqs[last]!, items[last]);
    items[last] = undefined;
    return top;
  }

  /** Keep only entries for which keep() is true, then restore the heap in O(n). */
  retain(keep: (item: T) => boolean): void {
    const times = this.times;
    const seqs = this.seqs;
    const items = this.items;
    let w = 0;
    for (let r = 0; r < this.n; r++) {
      const item = items[r] as T;
      if (!keep(item)) continue;
      times[w] = times[r]!;
      seqs[w] = seqs[r]!;
      items[w] = item;
      w++;
    }
    for (let i = w; i < this.n; i++) items[i] = undefined;
    this.n = w;
    for (let i = (w >> 1) - 1; i >= 0; i--) this.siftDown(i, times[i]!, seqs[i]!, items[i]);
  }

  private siftDown(start: number, time: number, seq: number, item: T | undefined): void {
    const times = this.times;
    const seqs = this.seqs;
    const items = this.items;
    const n = this.n;
    let i = start;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ct = times[c]!;
      let cs = seqs[c]!;
      const r = c + 1;
      if (r < n) {
        const rt = times[r]!;
        if (rt < ct || (rt === ct && seqs[r]! < cs)) {
          c = r;
          ct = rt;
          cs = seqs[r]!;
        }
      }
      if (time < ct || (time === ct && seq < cs)) break;
      times[i] = ct;
      seqs[i] = cs;
      items[i] = items[c];
      i = c;
    }
    times[i] = time;
    seqs[i] = seq;
    items[i] = item;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.times = times;
    this.seqs = seqs;
  }
}
