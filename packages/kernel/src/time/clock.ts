import type { InjectionToken } from 'tsyringe';

/** A source of the current time. All kernel times are integer nanoseconds in a JS number. */
export interface Clock {
  /** Current time in ns (virtual or since the scheduler was created). */
  now(): number;
}

/** A one-shot timer returned by {@link Scheduler.setTimer}. */
export interface TimerHandle {
  /** Cancel the timer; true if it was pending and is now cancelled, false if it already fired or was cancelled. */
  cancel(): boolean;
  /** True until the timer fires or is cancelled. */
  readonly pending: boolean;
  /** Absolute time in ns at which the timer fires. */
  readonly deadline: number;
}

/** A clock that can run callbacks later. Virtual (deterministic) and real implementations exist. */
export interface Scheduler extends Clock {
  /** Run fn once after delayNs (>= 0; 0 = after everything already due now). */
  setTimer(delayNs: number, fn: () => void, label?: string): TimerHandle;
  /** Run fn at absolute time atNs (>= now). */
  setTimerAt(atNs: number, fn: () => void, label?: string): TimerHandle;
}

/** The stack's clock; bound to the same instance as {@link SCHEDULER} by registerKernel. */
export const CLOCK: InjectionToken<Clock> = Symbol('rdmalab.kernel.Clock');
/** The stack's scheduler (one per simulation: every host shares virtual time). */
export const SCHEDULER: InjectionToken<Scheduler> = Symbol('rdmalab.kernel.Scheduler');
