import type { SendCtx, SendctxRing } from '@rdmalab/sendctx';
import type { PrepFailurePolicy } from './policy.js';

/**
 * Linux 7.2 (2026): rewind the head over the context just taken (sendctx unget) and wake
 * writers, so a failed preparation costs nothing.
 *
 * What it gets wrong: nothing known.
 */
export class UngetSlot implements PrepFailurePolicy {
  readonly name = 'unget';
  onPrepareFailed<TSge, TReq>(ring: SendctxRing<TSge, TReq>, ctx: SendCtx<TSge, TReq>): void {
    ring.unget(ctx);
  }
}
