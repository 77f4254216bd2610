import type { SendCtx, SendctxRing } from '@rdmalab/sendctx';
import type { PrepFailurePolicy } from './policy.js';

/**
 * Linux 4.15 – 7.1: the context stays handed out after a failed preparation.
 *
 * What it gets wrong ("Return sendctx slot after Send preparation failure", 2026): each failure
 * advances the head with no Send to ever move the tail past it; a run of DMA-map failures makes
 * the ring look full forever and nothing can be posted to recover.
 */
export class LeaveSlot implements PrepFailurePolicy {
  readonly name = 'leave-slot';
  onPrepareFailed<TSge, TReq>(_ring: SendctxRing<TSge, TReq>, _ctx: SendCtx<TSge, TReq>): void {}
}
