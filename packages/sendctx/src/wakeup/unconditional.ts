import type { RingWakeup, WakeupPolicy } from './policy.js';
import type { WriteSpace } from './write-space.js';

/**
 * Models the kernel from 2019 on ("xprtrdma: Fix occasional transport deadlock"): the empty path
 * waits for write space directly — it sets the transport's congested bit and queues the writer
 * in the same step — and every retirement calls the transport's write-space wake-up, whatever
 * state any ring flag is in.
 *
 * What it gets wrong: nothing known at this granularity. Registering before anyone can observe
 * the empty ring is what makes it safe; a variant that first reads the tail and only later sets
 * the bit leaves a window (see `checkRingModel` with `wakeup: 'unconditional-late-register'`).
 * Cost: one bit test per `put` even when nobody waits.
 */
export class UnconditionalWakeup implements WakeupPolicy {
  readonly name = 'unconditional';

  attach(space: WriteSpace): RingWakeup {
    return {
      onEmpty(waiter) {
        if (waiter) space.wait(waiter);
      },
      onSpace() {
        space.wake();
      },
    };
  }
}
