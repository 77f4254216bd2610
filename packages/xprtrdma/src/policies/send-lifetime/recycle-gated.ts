import type { SendFacts, SendLifetimeDecision, SendLifetimePolicy } from './policy.js';

/**
 * Linux 7.2 (2026, "Decouple RPC completion from Send completion"): every Send holds its own
 * reference on the request, released by the ring walk, and that reference gates recycling the
 * request — not completing the RPC. The pool gets 1/8 extra requests as slack so a request
 * waiting for its Send does not starve new RPCs; a Send with mapped pages is forced signaled.
 *
 * Modelling choice: an RPC whose Send mapped the caller's pages still completes only after the
 * Send retires, as since 2017 — completing it earlier would hand the pages back to the caller
 * while the HCA may re-read them, reopening the seed's bug.
 *
 * What it gets wrong: nothing known. Cost: a request stays out of the pool until a later
 * signaled completion walks the ring past its Send.
 */
export class RecycleGated implements SendLifetimePolicy {
  readonly name = 'recycle-gated';
  readonly usesRing = true;
  readonly unmapOnReply = false;
  readonly poolSlack = true;
  decide(send: SendFacts): SendLifetimeDecision {
    return { rpcWaitsForSend: send.mappedPages, recycleWaitsForSend: true, forceSignal: send.mappedPages };
  }
}
