import type { Scheduler, TimerHandle } from './clock.js';
import { checkTimeNs } from './delay.js';
import { SchedulerError } from './errors.js';

const NS_PER_MS = 1_000_000;

class RealTimer implements TimerHandle {
  private timeout: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private live = true;

  constructor(
    private readonly owner: RealScheduler,
    readonly deadline: number,
    delayNs: number,
    fn: () => void,
    readonly label: string | undefined,
  ) {
    const fire = (): void => {
      if (!this.live) return;
      // libuv's timer clock is cached per loop turn and may run slightly ahead of hrtime: re-arm
      // for the rest rather than fire before the deadline.
      const early = this.deadline - this.owner.now();
      if (early > 0) {
        this.timeout = setTimeout(fire, Math.ceil(early / NS_PER_MS));
        return;
      }
      this.live = false;
      this.owner.forget(this);
      fn();
    };
    // Node timers have 1 ms resolution: round up so a timer never fires early.
    if (delayNs === 0) this.immediate = setImmediate(fire);
    else this.timeout = setTimeout(fire, Math.ceil(delayNs / NS_PER_MS));
  }

  get pending(): boolean {
    return this.live;
  }

  cancel(): boolean {
    if (!this.live) return false;
    this.live = false;
    if (this.timeout !== undefined) clearTimeout(this.timeout);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.owner.forget(this);
    return true;
  }
}

/**
 * Wall-clock scheduler behind the Scheduler interface: now() is process.hrtime.bigint() relative
 * to construction; timers use setTimeout (sub-ms delays round up to the next ms tick) and a 0
 * delay uses setImmediate. close() cancels every pending timer; setting a timer after close() is
 * EINVAL.
 */
export class RealScheduler implements Scheduler {
  private readonly origin = process.hrtime.bigint();
  private readonly timers = new Set<RealTimer>();
  private closed = false;

  now(): number {
    return Number(process.hrtime.bigint() - this.origin);
  }

  get pendingCount(): number {
    return this.timers.size;
  }

  setTimer(delayNs: number, fn: () => void, label?: string): TimerHandle {
    const delay = checkTimeNs('delayNs', delayNs);
    return this.start(this.now() + delay, delay, fn, label);
  }

  setTimerAt(atNs: number, fn: () => void, label?: string): TimerHandle {
    const at = checkTimeNs('atNs', atNs);
    // Wall time moves on between the caller's now() and here; a deadline just passed fires asap.
    return this.start(at, Math.max(0, at - this.now()), fn, label);
  }

  /** Cancel every pending timer; later setTimer calls throw EINVAL. */
  close(): void {
    this.closed = true;
    for (const timer of [...this.timers]) timer.cancel();
  }

  /** @internal */
  forget(timer: RealTimer): void {
    this.timers.delete(timer);
  }

  private start(deadline: number, delay: number, fn: () => void, label: string | undefined): TimerHandle {
    if (this.closed) throw new SchedulerError('EINVAL', 'RealScheduler is closed; no new timers');
    if (typeof fn !== 'function') {
      throw new SchedulerError('EINVAL', `fn must be a function, got ${typeof fn}`);
    }
    const timer = new RealTimer(this, deadline, delay, fn, label);
    this.timers.add(timer);
    return timer;
  }
}
