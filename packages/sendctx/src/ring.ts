import { type Counter, Counters } from '@rdmalab/kernel';
import { type ReleaseHook, RING_EMPTY, type RingEmpty, type SendCtx } from './context.js';
import { checkRingSize, SendctxError } from './errors.js';
import type { RingWakeup, WakeupPolicy } from './wakeup/policy.js';
import { UnconditionalWakeup } from './wakeup/unconditional.js';
import type { WriteSpace } from './wakeup/write-space.js';
import { WriteSpaceQueue } from './wakeup/write-space-queue.js';

/** Counter names, as on the mountstats `xprt: rdma` line where one exists. */
export const SENDCTX_COUNTERS = {
  /** `get` found the ring empty (mountstats `empty_sendctx_q`). */
  empty: 'empty_sendctx_q',
  /** A slot returned by `unget` after a failed Send preparation. */
  unget: 'sendctx_unget',
  /** Contexts released by `flush` (disconnect). */
  flushed: 'sendctx_flushed',
} as const;

export interface SendctxRingOptions<TSge, TReq> {
  /** Number of slots; at most `size - 1` are outstanding. A transport passes max requests + 2. */
  size: number;
  /** Builds slot `index`'s SGE array once, at construction. Default: an empty array. */
  createSges?: (index: number) => TSge[];
  /** Runs for each retired context, in ring order (unmap pages here). Default: nothing. */
  release?: ReleaseHook<TSge, TReq>;
  /** Default {@link UnconditionalWakeup}. */
  wakeup?: WakeupPolicy;
  /** The transport's write-space bit and waiters. Default: a fresh {@link WriteSpaceQueue}. */
  writeSpace?: WriteSpace;
  /** Where `empty_sendctx_q` and friends are counted. Default: a private {@link Counters}. */
  counters?: Counters;
}

const noRelease = (): void => {};

/**
 * The send-context ring of one transport (Linux `rpcrdma_sendctx_get_locked` /
 * `rpcrdma_sendctx_put_locked`). Single consumer — the send path, serialized by the transport's
 * send lock — and single producer — the Send completion handler, serialized by CQ polling.
 *
 * `head` is the last slot handed out and only `get`/`unget` move it; `tail` is the last slot
 * retired and only `put`/`flush` move it. The ring is empty when `next(head) == tail`, so one
 * slot always stays unused and at most `size - 1` contexts are outstanding.
 */
export class SendctxRing<TSge, TReq> {
  readonly size: number;
  /** Every context, by slot index. */
  readonly contexts: readonly SendCtx<TSge, TReq>[];
  readonly writeSpace: WriteSpace;
  readonly counters: Counters;
  readonly wakeupPolicy: WakeupPolicy;
  private readonly ctxs: SendCtx<TSge, TReq>[];
  private readonly release: ReleaseHook<TSge, TReq>;
  private readonly wakeup: RingWakeup;
  private readonly emptyCount: Counter;
  private headIdx = 0;
  private tailIdx = 0;

  constructor(options: SendctxRingOptions<TSge, TReq>) {
    checkRingSize(options.size);
    this.size = options.size;
    const createSges = options.createSges ?? ((): TSge[] => []);
    const ctxs: SendCtx<TSge, TReq>[] = [];
    for (let index = 0; index < options.size; index++) {
      ctxs.push({ index, sges: createSges(index), req: null, unmapCount: 0 });
    }
    this.ctxs = ctxs;
    this.contexts = ctxs;
    this.release = options.release ?? noRelease;
    this.writeSpace = options.writeSpace ?? new WriteSpaceQueue();
    this.wakeupPolicy = options.wakeup ?? new UnconditionalWakeup();
    this.wakeup = this.wakeupPolicy.attach(this.writeSpace);
    this.counters = options.counters ?? new Counters();
    this.emptyCount = this.counters.counter(SENDCTX_COUNTERS.empty);
  }

  /** Last slot handed out. */
  get head(): number {
    return this.headIdx;
  }

  /** Last slot retired. */
  get tail(): number {
    return this.tailIdx;
  }

  /** Contexts handed out and not yet retired (0 .. size - 1). */
  get outstanding(): number {
    const d = this.headIdx - this.tailIdx;
    return d >= 0 ? d : d + this.size;
  }

  /**
   * Consumer, under the send lock. Hands out the next context, or returns {@link RING_EMPTY}
   * after counting `empty_sendctx_q` and registering `waiter` for a write-space wake-up through
   * the wake-up policy (the caller then retries from the waiter).
   */
  get(waiter?: () => void): SendCtx<TSge, TReq> | RingEmpty {
    const h = this.headIdx + 1;
    const next = h === this.size ? 0 : h;
    if (next === this.tailIdx) {
      this.emptyCount.inc();
      this.wakeup.onEmpty(waiter);
      return RING_EMPTY;
    }
    this.headIdx = next;
    return this.ctxs[next]!;
  }

  /**
   * Producer, from the Send completion handler: `ctx`'s Send completed, and so did every
   * unsignaled Send before it (the Send Queue completes in order). Releases each context from
   * the one after `tail` through `ctx`, then publishes the new tail and wakes writers per the
   * policy. Returns how many contexts were retired.
   *
   * @throws SendctxError `EFOREIGN` if `ctx` is not from this ring, `ESTALE` if not outstanding.
   */
  put(ctx: SendCtx<TSge, TReq>): number {
    const target = ctx.index;
    if (this.ctxs[target] !== ctx) throw this.foreign('put', target);
    const size = this.size;
    const tail = this.tailIdx;
    let dist = target - tail;
    if (dist <= 0) dist += size;
    let outstanding = this.headIdx - tail;
    if (outstanding < 0) outstanding += size;
    if (dist > outstanding) throw this.notOutstanding('put', target);
    return this.retire(dist);
  }

  /**
   * Consumer, under the send lock: give back the context just taken because Send preparation
   * failed (no Send was posted, so no completion would ever retire it), and wake writers.
   *
   * @throws SendctxError `EFOREIGN`, `ESTALE` if nothing is outstanding at that slot, `EINVAL`
   *   if `ctx` is outstanding but not the last one handed out.
   */
  unget(ctx: SendCtx<TSge, TReq>): void {
    const slot = ctx.index;
    if (this.ctxs[slot] !== ctx) throw this.foreign('unget', slot);
    if (slot !== this.headIdx || this.outstanding === 0) {
      let dist = slot - this.tailIdx;
      if (dist <= 0) dist += this.size;
      if (dist > this.outstanding) throw this.notOutstanding('unget', slot);
      throw new SendctxError(
        'EINVAL',
        `unget: context ${slot} is outstanding but not the last handed out (head ${this.headIdx})`,
      );
    }
    ctx.req = null;
    ctx.unmapCount = 0;
    this.headIdx = slot === 0 ? this.size - 1 : slot - 1;
    this.counters.counter(SENDCTX_COUNTERS.unget).inc();
    this.wakeup.onSpace();
  }

  /**
   * Disconnect: release every outstanding context in ring order, as if each had completed —
   * including unsignaled Sends whose completion will never come. Call only once no Send is in
   * flight (the Send Queue is drained or flushed). Returns how many were released.
   */
  flush(): number {
    const n = this.outstanding;
    if (n === 0) return 0;
    this.counters.counter(SENDCTX_COUNTERS.flushed).inc(n);
    return this.retire(n);
  }

  /** Whether `ctx` is handed out and not yet retired. */
  isOutstanding(ctx: SendCtx<TSge, TReq>): boolean {
    if (this.ctxs[ctx.index] !== ctx) return false;
    let dist = ctx.index - this.tailIdx;
    if (dist <= 0) dist += this.size;
    return dist <= this.outstanding;
  }

  /** Release `count` contexts after tail, advancing tail past each before running the next hook. */
  private retire(count: number): number {
    const ctxs = this.ctxs;
    const size = this.size;
    let t = this.tailIdx;
    try {
      for (let i = 0; i < count; i++) {
        t = t + 1 === size ? 0 : t + 1;
        const c = ctxs[t]!;
        this.release(c);
        c.req = null;
        c.unmapCount = 0;
        // A throwing hook leaves tail on the last fully released context: nothing is released twice.
        this.tailIdx = t;
      }
    } catch (e) {
      // What was released before the throw is write space all the same.
      this.wakeup.onSpace();
      throw e;
    }
    this.wakeup.onSpace();
    return count;
  }

  private foreign(op: string, index: number): SendctxError {
    return new SendctxError('EFOREIGN', `${op}: context (index ${String(index)}) is not from this ring`);
  }

  private notOutstanding(op: string, slot: number): SendctxError {
    return new SendctxError(
      'ESTALE',
      `${op}: context ${slot} is not outstanding (tail ${this.tailIdx}, head ${this.headIdx}, size ${this.size})`,
    );
  }
}
