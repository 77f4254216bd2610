import { checkRingSize, SendctxError } from '../errors.js';
import { SHARED_RING_HEADER_WORDS, SHARED_RING_MAGIC, SharedRingWord } from './layout.js';

// Module-local copies: a bundler or test runner may turn each read of an imported binding into a
// property getter, which would cost more than the ring operation itself.
const W = {
  head: SharedRingWord.head,
  emptyCount: SharedRingWord.emptyCount,
  ungetCount: SharedRingWord.ungetCount,
  tail: SharedRingWord.tail,
  spaceSeq: SharedRingWord.spaceSeq,
  flushedCount: SharedRingWord.flushedCount,
  waiters: SharedRingWord.waiters,
  magic: SharedRingWord.magic,
  size: SharedRingWord.size,
  payloadWords: SharedRingWord.payloadWords,
} as const;
const HEADER_WORDS = SHARED_RING_HEADER_WORDS;
const MAGIC = SHARED_RING_MAGIC;

/** `SharedSendctxRing.get`'s result when no slot is free (a slot index is never negative). */
export const SHARED_RING_EMPTY = -1;

export interface SharedSendctxRingOptions {
  /** Number of slots; at most `size - 1` are outstanding. */
  size: number;
  /** Int32 payload words per slot (objects cannot cross threads; indices and words can). Default 0. */
  payloadWords?: number;
}

/** Outcome of waiting for write space, as `Atomics.wait` reports it. */
export type SpaceWaitResult = 'ok' | 'not-equal' | 'timed-out';

/** Statistics kept in the shared buffer, readable from either thread. */
export interface SharedRingCounters {
  empty_sendctx_q: number;
  sendctx_unget: number;
  sendctx_flushed: number;
}

type WaitAsync = (
  typedArray: Int32Array,
  index: number,
  value: number,
  timeout?: number,
) => { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };

/**
 * The send-context ring with `head` and `tail` in a SharedArrayBuffer, so the Send completion
 * handler (the producer: `put`, `flush`) can run in a worker thread while the send path (the
 * consumer: `get`, `unget`) runs in another. Same contract as {@link SendctxRing}, with slot
 * indices instead of context objects and optional Int32 payload words per slot.
 *
 * Publication: the producer releases each slot, then stores `tail` (Atomics stores are
 * sequentially consistent, so at least release); the consumer loads `tail` (at least acquire)
 * before reusing a slot, so it never sees a slot whose release is still running. The consumer
 * keeps its last loaded tail and reloads only when that stale view says "empty": a stale tail
 * only ever under-states the free space.
 *
 * Write-space wake-up: the consumer registers (a shared `waiters` word) *before* re-reading the
 * tail, and the producer checks `waiters` after storing the tail; with sequentially consistent
 * Atomics one of the two always sees the other, so no wake-up is lost. This is the unconditional
 * discipline; the racy flag-bit one exists only for the single-threaded ring.
 *
 * Attach the same buffer in the other thread with `new SharedSendctxRing(ring.buffer)`. One
 * thread at a time calls `get`/`unget` and one calls `put`/`flush`; hand a role to another
 * thread only through something that orders memory (postMessage, an Atomics handshake).
 */
export class SharedSendctxRing {
  readonly buffer: SharedArrayBuffer;
  readonly size: number;
  readonly payloadWords: number;
  /** Every slot's payload: slot `i` owns words `payloadOffset(i)` .. `+ payloadWords - 1`. */
  readonly words: Int32Array;
  private readonly ctl: Int32Array;
  /** This thread's last view of `tail`; only ever behind the real one. */
  private seenTail: number;
  private seenSeq = 0;
  private registered = false;

  static create(options: SharedSendctxRingOptions): SharedSendctxRing {
    checkRingSize(options.size);
    const payloadWords = options.payloadWords ?? 0;
    if (!Number.isInteger(payloadWords) || payloadWords < 0) {
      throw new SendctxError('EINVAL', `payloadWords must be an integer >= 0, got ${String(payloadWords)}`);
    }
    const words = HEADER_WORDS + options.size * payloadWords;
    const buffer = new SharedArrayBuffer(words * 4);
    const ctl = new Int32Array(buffer);
    ctl[W.size] = options.size;
    ctl[W.payloadWords] = payloadWords;
    Atomics.store(ctl, W.magic, MAGIC);
    return new SharedSendctxRing(buffer);
  }

  /** Attach to a ring made by {@link SharedSendctxRing.create} (in this or another thread). */
  constructor(buffer: SharedArrayBuffer) {
    if (!(buffer instanceof SharedArrayBuffer)) {
      throw new SendctxError('EINVAL', 'buffer must be a SharedArrayBuffer');
    }
    if (buffer.byteLength < HEADER_WORDS * 4) {
      throw new SendctxError(
        'EINVAL',
        `buffer is ${buffer.byteLength} bytes, shorter than the ${HEADER_WORDS * 4}-byte header`,
      );
    }
    const ctl = new Int32Array(buffer);
    const magic = Atomics.load(ctl, W.magic);
    if (magic !== MAGIC) {
      throw new SendctxError(
        'EINVAL',
        `buffer magic at byte ${W.magic * 4} is 0x${(magic >>> 0).toString(16)}, not a shared sendctx ring`,
      );
    }
    const size = ctl[W.size]!;
    const payloadWords = ctl[W.payloadWords]!;
    checkRingSize(size, `size (byte ${W.size * 4})`);
    const need = (HEADER_WORDS + size * payloadWords) * 4;
    if (payloadWords < 0 || buffer.byteLength !== need) {
      throw new SendctxError(
        'EINVAL',
        `buffer is ${buffer.byteLength} bytes but size ${size} × payloadWords ${payloadWords} needs ${need}`,
      );
    }
    this.buffer = buffer;
    this.ctl = ctl;
    this.size = size;
    this.payloadWords = payloadWords;
    this.words = new Int32Array(buffer, HEADER_WORDS * 4, size * payloadWords);
    this.seenTail = Atomics.load(ctl, W.tail);
  }

  /** Last slot handed out. */
  get head(): number {
    return Atomics.load(this.ctl, W.head);
  }

  /** Last slot retired. */
  get tail(): number {
    return Atomics.load(this.ctl, W.tail);
  }

  /** Slots handed out and not yet retired, as of now. */
  get outstanding(): number {
    const d = Atomics.load(this.ctl, W.head) - Atomics.load(this.ctl, W.tail);
    return d >= 0 ? d : d + this.size;
  }

  /** First payload word of `slot` in {@link words}. */
  payloadOffset(slot: number): number {
    return slot * this.payloadWords;
  }

  /**
   * Consumer. Hands out the next slot, or returns {@link SHARED_RING_EMPTY} after counting
   * `empty_sendctx_q` and registering for a write-space wake-up (see {@link waitForSpace}).
   */
  get(): number {
    const ctl = this.ctl;
    // Only the consumer writes head, so a plain read of it here is race-free and skips a builtin call.
    const h = ctl[W.head]! + 1;
    const next = h === this.size ? 0 : h;
    if (next === this.seenTail) {
      // Register before the re-read: a producer that frees a slot after our read sees us.
      if (!this.registered) {
        Atomics.add(ctl, W.waiters, 1);
        this.registered = true;
      }
      this.seenSeq = Atomics.load(ctl, W.spaceSeq);
      this.seenTail = Atomics.load(ctl, W.tail);
      if (next === this.seenTail) {
        Atomics.add(ctl, W.emptyCount, 1);
        return SHARED_RING_EMPTY;
      }
    }
    if (this.registered) this.unregister();
    Atomics.store(ctl, W.head, next);
    return next;
  }

  /**
   * Consumer: give back `slot`, which must be the last slot handed out, after Send preparation
   * failed.
   *
   * @throws SendctxError `EFOREIGN` (no such slot), `ESTALE` (not outstanding), `EINVAL` (not
   *   the last handed out).
   */
  unget(slot: number): void {
    this.checkSlot(slot, 'unget');
    const ctl = this.ctl;
    const head = ctl[W.head]!;
    const tail = Atomics.load(ctl, W.tail);
    if (slot !== head || head === tail) {
      if (!this.within(slot, tail, head)) throw this.notOutstanding('unget', slot, tail, head);
      throw new SendctxError(
        'EINVAL',
        `unget: slot ${slot} is outstanding but not the last handed out (head ${head})`,
      );
    }
    Atomics.store(ctl, W.head, slot === 0 ? this.size - 1 : slot - 1);
    Atomics.add(ctl, W.ungetCount, 1);
    this.wakeWriters();
  }

  /**
   * Producer: `slot`'s Send completed, and every earlier one with it. Calls `release` for each
   * slot from the one after `tail` through `slot`, in order, then publishes the new tail and
   * wakes a registered consumer. Returns how many slots were retired.
   *
   * @throws SendctxError `EFOREIGN` (no such slot), `ESTALE` (not outstanding).
   */
  put(slot: number, release?: (slot: number) => void): number {
    this.checkSlot(slot, 'put');
    const ctl = this.ctl;
    // Only the producer writes tail: a plain read is race-free. Head is the consumer's: acquire it.
    const tail = ctl[W.tail]!;
    const head = Atomics.load(ctl, W.head);
    if (!this.within(slot, tail, head)) throw this.notOutstanding('put', slot, tail, head);
    let dist = slot - tail;
    if (dist <= 0) dist += this.size;
    return this.retire(tail, dist, release);
  }

  /**
   * Producer, on disconnect once no Send is in flight and the consumer is quiescent: release
   * every outstanding slot in order. Returns how many were released.
   */
  flush(release?: (slot: number) => void): number {
    const ctl = this.ctl;
    const tail = Atomics.load(ctl, W.tail);
    let n = Atomics.load(ctl, W.head) - tail;
    if (n < 0) n += this.size;
    if (n === 0) return 0;
    Atomics.add(ctl, W.flushedCount, n);
    return this.retire(tail, n, release);
  }

  /**
   * Consumer, after `get` returned empty: block this thread until the producer frees a slot or
   * `timeoutMs` passes. Returns at once (`not-equal`) if space appeared since that `get`, or
   * `ok` if not registered (the last `get` succeeded). Then call `get` again.
   */
  waitForSpace(timeoutMs?: number): SpaceWaitResult {
    if (!this.registered) return 'ok';
    return Atomics.wait(this.ctl, W.spaceSeq, this.seenSeq, timeoutMs);
  }

  /** {@link waitForSpace} without blocking the thread (Atomics.waitAsync). */
  waitForSpaceAsync(timeoutMs?: number): Promise<SpaceWaitResult> {
    if (!this.registered) return Promise.resolve('ok');
    const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
    if (!waitAsync) {
      return Promise.reject(new SendctxError('EINVAL', 'Atomics.waitAsync is not available in this runtime'));
    }
    const r = waitAsync(this.ctl, W.spaceSeq, this.seenSeq, timeoutMs);
    return r.async ? r.value : Promise.resolve(r.value);
  }

  counters(): SharedRingCounters {
    const ctl = this.ctl;
    return {
      empty_sendctx_q: Atomics.load(ctl, W.emptyCount),
      sendctx_unget: Atomics.load(ctl, W.ungetCount),
      sendctx_flushed: Atomics.load(ctl, W.flushedCount),
    };
  }

  private retire(tail: number, count: number, release: ((slot: number) => void) | undefined): number {
    const size = this.size;
    let t = tail;
    let done = tail;
    try {
      for (let i = 0; i < count; i++) {
        t = t + 1 === size ? 0 : t + 1;
        if (release) release(t);
        done = t;
      }
    } finally {
      // Publish only what was fully released: a throwing hook never releases a slot twice.
      if (done !== tail) {
        Atomics.store(this.ctl, W.tail, done);
        this.wakeWriters();
      }
    }
    return count;
  }

  private wakeWriters(): void {
    const ctl = this.ctl;
    if (Atomics.load(ctl, W.waiters) !== 0) {
      Atomics.add(ctl, W.spaceSeq, 1);
      Atomics.notify(ctl, W.spaceSeq);
    }
  }

  private unregister(): void {
    Atomics.sub(this.ctl, W.waiters, 1);
    this.registered = false;
  }

  /** Whether `slot` lies in (tail, head], i.e. is outstanding. */
  private within(slot: number, tail: number, head: number): boolean {
    let dist = slot - tail;
    if (dist <= 0) dist += this.size;
    let n = head - tail;
    if (n < 0) n += this.size;
    return dist <= n;
  }

  private checkSlot(slot: number, op: string): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.size) {
      throw new SendctxError(
        'EFOREIGN',
        `${op}: slot ${String(slot)} is not in this ring (size ${this.size})`,
      );
    }
  }

  private notOutstanding(op: string, slot: number, tail: number, head: number): SendctxError {
    return new SendctxError(
      'ESTALE',
      `${op}: slot ${slot} is not outstanding (tail ${tail}, head ${head}, size ${this.size})`,
    );
  }
}
