/**
 * One send context: everything needed to finish one posted Send when its completion (or a later
 * signaled completion) retires it. Generic so the ring never depends on a verbs binding.
 *
 * @typeParam TSge - the scatter/gather element type (e.g. a verbs `Sge`)
 * @typeParam TReq - the request the Send belongs to
 */
export interface SendCtx<TSge, TReq> {
  /** Slot number in the ring, fixed for the context's life. */
  readonly index: number;
  /** The Send's SGE array. The ring never reads it; the transport fills it per Send. */
  readonly sges: TSge[];
  /** The request this Send serves; the ring clears it after releasing the context. */
  req: TReq | null;
  /**
   * How many SGEs must be released (DMA-unmapped) when the Send is retired. The ring clears it
   * after the release hook ran, so a reused slot never unmaps the previous Send's pages again.
   */
  unmapCount: number;
}

/**
 * Called once per retired context, in ring order, by `put` and `flush`: this is where the
 * transport unmaps `unmapCount` SGEs and drops the request's reference.
 */
export type ReleaseHook<TSge, TReq> = (ctx: SendCtx<TSge, TReq>) => void;

/** `get`'s result when no context is free: a normal back-pressure outcome, not an error. */
export const RING_EMPTY: unique symbol = Symbol('rdmalab.sendctx.empty');
export type RingEmpty = typeof RING_EMPTY;
