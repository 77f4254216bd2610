import type { SendFacts, SendLifetimeDecision, SendLifetimePolicy } from './policy.js';

/**
 * Linux 5.3 – 7.1 (2019–2026): a reference count on the request replaces the TX-resources flag.
 * It starts at one (the Reply's); the Send takes a second one only when it mapped pages; the
 * Reply and the Send completion each drop one, and the last completes the RPC. A Send that holds
 * a reference is forced signaled.
 *
 * What it gets wrong: the same hole as 2017, stated in a source comment — no Send-side
 * reference for an inline-only Send, so a Reply that beats that Send's completion frees the
 * request for reuse while the HCA may still read its send buffer; and an RPC ended by a signal
 * or timeout does not wait for its Send.
 */
export class ConditionalReference implements SendLifetimePolicy {
  readonly name = 'conditional-reference';
  readonly usesRing = true;
  readonly unmapOnReply = false;
  readonly poolSlack = false;
  decide(send: SendFacts): SendLifetimeDecision {
    const holdsReference = send.mappedPages;
    return {
      rpcWaitsForSend: holdsReference,
      recycleWaitsForSend: holdsReference,
      forceSignal: holdsReference,
    };
  }
}
