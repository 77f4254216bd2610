import type { Scheduler } from '@rdmalab/kernel';
import type { RingWakeup, WakeupPolicy } from './policy.js';
import type { WriteSpace } from './write-space.js';

export interface FlagBitWakeupOptions {
  /** Runs the deferred sleep of the generic RPC layer. */
  scheduler: Scheduler;
  /**
   * Virtual ns from the empty `get` to the moment the RPC layer marks the transport congested
   * and puts the writer to sleep (the marshal error path unwinding to
   * `xprt_wait_for_buffer_space`). Default 0: still after every event already due now.
   */
  sleepAfterNs?: number;
}

/**
 * Models the kernel from 2017 to 2019 (v4.15 – v5.1): the empty `get` sets the ring's own
 * `RPCRDMA_BUF_F_EMPTY_SCQ` bit and returns "try again"; the RPC layer later sets the transport's
 * congested bit and sleeps; the completion handler calls the transport's write-space wake-up
 * only if it can test-and-clear `EMPTY_SCQ`.
 *
 * What it gets wrong: two bits guard one wake-up. A completion that runs between the ring's bit
 * being set and the transport's congested bit being set consumes `EMPTY_SCQ`, finds the
 * transport not congested, and wakes nobody; the writer then sleeps on a bit that no later
 * completion will clear (they all fail the test-and-clear). With every Send retired, the
 * transport stalls. Fixed by {@link UnconditionalWakeup}.
 */
export class FlagBitWakeup implements WakeupPolicy {
  readonly name = 'flag-bit';
  private readonly scheduler: Scheduler;
  private readonly sleepAfterNs: number;

  constructor(options: FlagBitWakeupOptions) {
    this.scheduler = options.scheduler;
    this.sleepAfterNs = options.sleepAfterNs ?? 0;
  }

  attach(space: WriteSpace): RingWakeup {
    const { scheduler, sleepAfterNs } = this;
    let emptyScq = false;
    return {
      onEmpty(waiter) {
        emptyScq = true;
        // The writer is queued by the RPC layer after get returned, not by get itself.
        if (waiter) scheduler.setTimer(sleepAfterNs, () => space.wait(waiter), 'sendctx.flag-bit.sleep');
      },
      onSpace() {
        if (emptyScq) {
          emptyScq = false;
          space.wake();
        }
      },
    };
  }
}
