import type { SendFacts, SendLifetimeDecision, SendLifetimePolicy } from './policy.js';

/**
 * Linux 4.15 – 5.2 (commits ae72950abf99 and 01bb35c89d90, 2017): Sends go through the sendctx
 * ring and pages are unmapped by the ring walk. When the Send mapped pages, a "TX resources"
 * flag makes the reply path wait for the Send's completion (counted as `reply_waits_for_send`),
 * and the Send is forced signaled so that completion comes.
 *
 * What it gets wrong: a Send of only pre-registered buffers (inline, no mapped pages) takes no
 * reference. The Reply completes the RPC and the request — with its send buffer — is recycled at
 * once, while the HCA may still retransmit that Send: the next RPC's bytes go on the wire in its
 * place (the inline-buffer-recycle scenario). An RPC that ends by timeout does not wait either.
 */
export class WaitWhenMapped implements SendLifetimePolicy {
  readonly name = 'wait-when-mapped';
  readonly usesRing = true;
  readonly unmapOnReply = false;
  readonly poolSlack = false;
  decide(send: SendFacts): SendLifetimeDecision {
    return {
      rpcWaitsForSend: send.mappedPages,
      recycleWaitsForSend: send.mappedPages,
      forceSignal: send.mappedPages,
    };
  }
}
