import 'reflect-metadata';
import { COUNTERS, type Counters, SCHEDULER } from '@rdmalab/kernel';
import { type DependencyContainer, instancePerContainerCachingFactory } from 'tsyringe';
import { SendctxError } from './errors.js';
import { SendctxRing } from './ring.js';
import { type RingFactoryOptions, SENDCTX_RING_FACTORY, type SendctxRingFactory } from './ring-factory.js';
import { FlagBitWakeup } from './wakeup/flag-bit.js';
import { WAKEUP_POLICY, type WakeupPolicy } from './wakeup/policy.js';
import { UnconditionalWakeup } from './wakeup/unconditional.js';

export interface SendctxOptions {
  /**
   * The wake-up discipline bound to {@link WAKEUP_POLICY}: `unconditional` (default, correct)
   * or `flag-bit` (the racy 2017–2019 one, which needs SCHEDULER bound, e.g. by registerKernel).
   */
  wakeup?: 'unconditional' | 'flag-bit';
  /** For `flag-bit`: virtual ns between the empty `get` and the RPC layer's sleep. Default 0. */
  flagBitSleepAfterNs?: number;
}

/**
 * Binds {@link WAKEUP_POLICY} (default {@link UnconditionalWakeup}) and
 * {@link SENDCTX_RING_FACTORY}, both cached per container: a host's child container that
 * rebinds WAKEUP_POLICY gets a factory whose rings use its policy. Rings count into COUNTERS
 * when that is bound (registerKernel binds it per container).
 */
export function registerSendctx(container: DependencyContainer, options: SendctxOptions = {}): void {
  const { wakeup = 'unconditional', flagBitSleepAfterNs = 0 } = options;
  if (wakeup !== 'unconditional' && wakeup !== 'flag-bit') {
    throw new SendctxError(
      'EINVAL',
      `options.wakeup must be 'unconditional' or 'flag-bit', got ${String(wakeup)}`,
    );
  }
  if (!Number.isInteger(flagBitSleepAfterNs) || flagBitSleepAfterNs < 0) {
    throw new SendctxError(
      'EINVAL',
      `options.flagBitSleepAfterNs must be an integer >= 0, got ${String(flagBitSleepAfterNs)}`,
    );
  }
  container.register<WakeupPolicy>(WAKEUP_POLICY, {
    useFactory: instancePerContainerCachingFactory((c) =>
      wakeup === 'flag-bit'
        ? new FlagBitWakeup({ scheduler: c.resolve(SCHEDULER), sleepAfterNs: flagBitSleepAfterNs })
        : new UnconditionalWakeup(),
    ),
  });
  container.register<SendctxRingFactory>(SENDCTX_RING_FACTORY, {
    useFactory: instancePerContainerCachingFactory((c) => {
      const counters: Counters | undefined = c.isRegistered(COUNTERS, true) ? c.resolve(COUNTERS) : undefined;
      return {
        create<TSge, TReq>(ringOptions: RingFactoryOptions<TSge, TReq>): SendctxRing<TSge, TReq> {
          return new SendctxRing<TSge, TReq>({
            ...ringOptions,
            wakeup: ringOptions.wakeup ?? c.resolve(WAKEUP_POLICY),
            counters: ringOptions.counters ?? counters,
          });
        },
      };
    }),
  });
}
