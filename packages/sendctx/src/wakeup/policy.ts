import type { InjectionToken } from 'tsyringe';
import type { WriteSpace } from './write-space.js';

/**
 * How a ring that ran empty gets its writer going again. A policy is stateless and shared; it
 * {@link WakeupPolicy.attach | attaches} to each ring, and the returned {@link RingWakeup} holds
 * whatever per-ring state the discipline needs (e.g. the 2017–2019 `EMPTY_SCQ` bit).
 */
export interface WakeupPolicy {
  /** Short stable name for traces and reports, e.g. `unconditional`, `flag-bit`. */
  readonly name: string;
  attach(space: WriteSpace): RingWakeup;
}

/** The per-ring half of a wake-up policy. The ring calls it; nobody else should. */
export interface RingWakeup {
  /**
   * Consumer side, under the send lock: `get` found the ring empty. Arrange for `waiter` (if
   * given) to run when write space appears.
   */
  onEmpty(waiter: (() => void) | undefined): void;
  /** Producer side: `put`, `unget` or `flush` has just published free slots. */
  onSpace(): void;
}

export const WAKEUP_POLICY: InjectionToken<WakeupPolicy> = Symbol('rdmalab.sendctx.WakeupPolicy');
