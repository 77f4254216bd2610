import type { InjectionToken } from 'tsyringe';
import type { SendctxRing, SendctxRingOptions } from './ring.js';

/** What a transport passes when it builds its ring on connect; DI supplies the rest. */
export type RingFactoryOptions<TSge, TReq> = Omit<SendctxRingOptions<TSge, TReq>, 'wakeup' | 'counters'> &
  Partial<Pick<SendctxRingOptions<TSge, TReq>, 'wakeup' | 'counters'>>;

/**
 * Builds send-context rings with the container's wake-up policy and counters, so a transport
 * never names a policy and a composition swaps it by rebinding {@link WAKEUP_POLICY}.
 */
export interface SendctxRingFactory {
  create<TSge, TReq>(options: RingFactoryOptions<TSge, TReq>): SendctxRing<TSge, TReq>;
}

export const SENDCTX_RING_FACTORY: InjectionToken<SendctxRingFactory> = Symbol('rdmalab.sendctx.RingFactory');
