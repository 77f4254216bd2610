import type { SendCtx, SendctxRing } from '@rdmalab/sendctx';
import type { InjectionToken } from 'tsyringe';

/**
 * What happens to the send context taken for a Send whose preparation failed (a DMA-map error):
 * no Send is posted, so no completion will ever retire that context.
 */
export interface PrepFailurePolicy {
  readonly name: string;
  onPrepareFailed<TSge, TReq>(ring: SendctxRing<TSge, TReq>, ctx: SendCtx<TSge, TReq>): void;
}

export const PREP_FAILURE_POLICY: InjectionToken<PrepFailurePolicy> = Symbol(
  'rdmalab.xprtrdma.PrepFailurePolicy',
);
