import type { InjectionToken } from 'tsyringe';

/** What the transport knows about one Send when it prepares it. */
export interface SendFacts {
  /** The Send gathers page-list or tail pages DMA-mapped for this Send only. */
  readonly mappedPages: boolean;
  /** The request registered chunk memory (FRWR MRs) for this RPC. */
  readonly registeredMrs: boolean;
}

/** The policy's answer for one Send. */
export interface SendLifetimeDecision {
  /** The RPC does not complete (the Reply is held back) until this Send is retired by the ring. */
  readonly rpcWaitsForSend: boolean;
  /** The request (its send buffer) is not recycled into the pool until this Send is retired. */
  readonly recycleWaitsForSend: boolean;
  /** Force IB_SEND_SIGNALED on this Send whatever the signaling countdown says. */
  readonly forceSignal: boolean;
}

/**
 * When the memory a Send reads may be released: the page mappings, the request's send buffer and
 * the caller's pages. Each implementation models one era of Linux (or another ULP) and says in
 * its doc comment what it gets wrong.
 */
export interface SendLifetimePolicy {
  /** Stable short name for traces and reports. */
  readonly name: string;
  /**
   * Whether Sends go through the send-context ring. Without it nothing bounds the Sends posted
   * but not retired, and pages are unmapped when the RPC completes, not when the Send does.
   */
  readonly usesRing: boolean;
  /** Unmap a Send's pages when the Reply arrives (pre-2017) rather than when the Send retires. */
  readonly unmapOnReply: boolean;
  /** The pool holds 1/8 more requests than the request limit, as slack for gated recycling (7.2). */
  readonly poolSlack: boolean;
  decide(send: SendFacts): SendLifetimeDecision;
}

export const SEND_LIFETIME_POLICY: InjectionToken<SendLifetimePolicy> = Symbol(
  'rdmalab.xprtrdma.SendLifetimePolicy',
);
