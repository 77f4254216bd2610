import type { SendFacts, SendLifetimeDecision, SendLifetimePolicy } from './policy.js';

const DECISION: SendLifetimeDecision = {
  rpcWaitsForSend: true,
  recycleWaitsForSend: true,
  forceSignal: true,
};

/**
 * The nvme-rdma way (2017–2019 fixes; iSER since 2021): every Send is signaled and a request
 * completes only when both owners — the Send completion and the response — have dropped their
 * reference.
 *
 * What it gets wrong: nothing in correctness. Cost: one Send completion (an interrupt, a CQ
 * poll) per RPC instead of one per batch; rdmalab's benchmark measures the difference.
 */
export class TwoOwner implements SendLifetimePolicy {
  readonly name = 'two-owner';
  readonly usesRing = true;
  readonly unmapOnReply = false;
  readonly poolSlack = false;
  decide(_send: SendFacts): SendLifetimeDecision {
    return DECISION;
  }
}
