import type { SendFacts, SendLifetimeDecision, SendLifetimePolicy } from './policy.js';

const DECISION: SendLifetimeDecision = {
  rpcWaitsForSend: false,
  recycleWaitsForSend: false,
  forceSignal: false,
};

/**
 * Linux before 4.15 (2017): no send-context ring. The Reply completes the RPC, and the reply path
 * DMA-unmaps the Send's pages and recycles the request at once.
 *
 * What it gets wrong (the seed's bug, reported by Sagi Grimberg): an RC Send completes only when
 * the peer's ACK arrives, and the HCA re-reads the payload from memory at every retransmission.
 * If the ACK is late, the Reply can arrive first; the retransmission then reads unmapped memory
 * (strict IOMMU: LOC_PROT_ERR, the connection is lost) or memory that now belongs to someone else
 * (no IOMMU: that data goes on the wire). And with no ring, nothing bounds the Sends posted but
 * not yet retired: the Send Queue can overflow (ENOMEM).
 */
export class ReleaseOnReply implements SendLifetimePolicy {
  readonly name = 'release-on-reply';
  readonly usesRing = false;
  readonly unmapOnReply = true;
  readonly poolSlack = false;
  decide(_send: SendFacts): SendLifetimeDecision {
    return DECISION;
  }
}
