import type { InjectionToken } from 'tsyringe';

/**
 * The transport's own write-space mechanism, as in the generic RPC transport
 * (`xprt_wait_for_buffer_space` / `xprt_write_space`): a "congested" bit plus the writers waiting
 * for it to clear. A wake-up only reaches writers when the bit is set: `wake` test-and-clears
 * it, exactly like `xprt_write_space`, and that is what makes the 2017–2019 flag-bit discipline
 * lose a wake-up.
 */
export interface WriteSpace {
  /** Set the congested bit and queue `waiter` for the next wake-up (one call per wait). */
  wait(waiter: () => void): void;
  /**
   * If the congested bit is set, clear it and run every queued waiter; returns whether it was
   * set. With the bit clear nothing happens, even if waiters are queued.
   */
  wake(): boolean;
  /** Whether the congested bit is set. */
  readonly congested: boolean;
  /** Writers queued and not yet woken. */
  readonly waiting: number;
}

export const WRITE_SPACE: InjectionToken<WriteSpace> = Symbol('rdmalab.sendctx.WriteSpace');
