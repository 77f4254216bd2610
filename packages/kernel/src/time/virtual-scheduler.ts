import type { Scheduler, TimerHandle } from './clock.js';
import { checkTimeNs } from './delay.js';
import { SchedulerError } from './errors.js';
import { EventHeap } from './event-heap.js';

const PENDING = 0;
const FIRED = 1;
const CANCELLED = 2;

/** Cancelled entries stay in the heap (lazy deletion) until they outnumber the live ones. */
const COMPACT_MIN_GARBAGE = 1024;
const DEFAULT_MAX_EVENTS = 50_000_000;

class VirtualTimer implements TimerHandle {
  state = PENDING;
  constructor(
    private readonly owner: VirtualScheduler,
    readonly deadline: number,
    readonly fn: () => void,
    readonly label: string | undefined,
  ) {}

  get pending(): boolean {
    return this.state === PENDING;
  }

  cancel(): boolean {
    if (this.state !== PENDING) return false;
    this.state = CANCELLED;
    this.owner.timerCancelled();
    return true;
  }
}

const isPending = (t: VirtualTimer): boolean => t.state === PENDING;

/** Lets promise continuations queued by the last event run before the next one. */
const drainMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface VirtualSchedulerOptions {
  /** Initial virtual time in ns (default 0). */
  startNs?: number;
}

/**
 * Deterministic discrete-event scheduler. Events run in (time, insertion sequence) order, so the
 * same seed and inputs give the same event order and timestamps on every run. Time only moves
 * when an event is dispatched (or by runUntil/runFor). An exception thrown by a timer callback
 * propagates out of step()/run*(); the timer counts as fired and the rest stay queued.
 */
export class VirtualScheduler implements Scheduler {
  private readonly heap = new EventHeap<VirtualTimer>();
  private nowNs: number;
  private seq = 0;
  private live = 0;
  private garbage = 0;

  constructor(options: VirtualSchedulerOptions = {}) {
    this.nowNs = checkTimeNs('startNs', options.startNs ?? 0);
  }

  now(): number {
    return this.nowNs;
  }

  /** Timers set and neither fired nor cancelled. */
  get pendingCount(): number {
    return this.live;
  }

  /** Deadline of the next pending timer, or undefined when idle. */
  nextDeadline(): number | undefined {
    this.dropCancelledTop();
    return this.heap.size === 0 ? undefined : this.heap.peekTime();
  }

  setTimer(delayNs: number, fn: () => void, label?: string): TimerHandle {
    return this.insert(this.nowNs + checkTimeNs('delayNs', delayNs), fn, label);
  }

  setTimerAt(atNs: number, fn: () => void, label?: string): TimerHandle {
    const at = checkTimeNs('atNs', atNs);
    if (at < this.nowNs) {
      throw new SchedulerError('EINVAL', `atNs ${at} is before now ${this.nowNs}`);
    }
    return this.insert(at, fn, label);
  }

  /** Dispatch the next event (advancing now); false if none. */
  step(): boolean {
    const heap = this.heap;
    for (;;) {
      const timer = heap.pop();
      if (timer === undefined) return false;
      if (timer.state !== PENDING) {
        this.garbage--;
        continue;
      }
      timer.state = FIRED;
      this.live--;
      this.nowNs = timer.deadline;
      timer.fn();
      return true;
    }
  }

  /** Dispatch until idle; SchedulerError ELOOP if events remain after maxEvents were dispatched. */
  runUntilIdle(maxEvents: number = DEFAULT_MAX_EVENTS): number {
    const max = checkBudget(maxEvents);
    let n = 0;
    while (this.live > 0) {
      if (n >= max) throw loopError(max, this.live);
      this.step();
      n++;
    }
    return n;
  }

  /** Dispatch every event with time <= tNs, then set now = tNs. */
  runUntil(tNs: number): number {
    const t = this.checkTarget(tNs);
    let n = 0;
    while (this.nextDeadline() !== undefined && this.heap.peekTime() <= t) {
      this.step();
      n++;
    }
    this.nowNs = t;
    return n;
  }

  runFor(durationNs: number): number {
    return this.runUntil(this.nowNs + checkTimeNs('durationNs', durationNs));
  }

  async runUntilIdleAsync(maxEvents: number = DEFAULT_MAX_EVENTS): Promise<number> {
    const max = checkBudget(maxEvents);
    let n = 0;
    await drainMicrotasks();
    while (this.live > 0) {
      if (n >= max) throw loopError(max, this.live);
      this.step();
      n++;
      await drainMicrotasks();
    }
    return n;
  }

  async runUntilAsync(tNs: number): Promise<number> {
    const t = this.checkTarget(tNs);
    let n = 0;
    await drainMicrotasks();
    while (this.nextDeadline() !== undefined && this.heap.peekTime() <= t) {
      this.step();
      n++;
      await drainMicrotasks();
    }
    this.nowNs = t;
    return n;
  }

  /** Run until predicate() holds or nothing is left; returns whether it held. */
  async runUntilTrueAsync(
    predicate: () => boolean,
    maxEvents: number = DEFAULT_MAX_EVENTS,
  ): Promise<boolean> {
    const max = checkBudget(maxEvents);
    let n = 0;
    await drainMicrotasks();
    while (!predicate()) {
      if (this.live === 0) return false;
      if (n >= max) throw loopError(max, this.live);
      this.step();
      n++;
      await drainMicrotasks();
    }
    return true;
  }

  /** @internal called by a timer when it is cancelled. */
  timerCancelled(): void {
    this.live--;
    this.garbage++;
    if (this.garbage > COMPACT_MIN_GARBAGE && this.garbage > this.live) {
      this.heap.retain(isPending);
      this.garbage = 0;
    }
  }

  private insert(at: number, fn: () => void, label: string | undefined): TimerHandle {
    if (typeof fn !== 'function') {
      throw new SchedulerError('EINVAL', `fn must be a function, got ${typeof fn}`);
    }
    const timer = new VirtualTimer(this, at, fn, label);
    this.heap.push(at, this.seq++, timer);
    this.live++;
    return timer;
  }

  private dropCancelledTop(): void {
    const heap = this.heap;
    for (let top = heap.peek(); top !== undefined && top.state !== PENDING; top = heap.peek()) {
      heap.pop();
      this.garbage--;
    }
  }

  private checkTarget(tNs: number): number {
    const t = checkTimeNs('tNs', tNs);
    if (t < this.nowNs) throw new SchedulerError('EINVAL', `tNs ${t} is before now ${this.nowNs}`);
    return t;
  }
}

function checkBudget(maxEvents: number): number {
  if (!Number.isInteger(maxEvents) || maxEvents < 0) {
    throw new SchedulerError('EINVAL', `maxEvents must be an integer >= 0, got ${String(maxEvents)}`);
  }
  return maxEvents;
}

function loopError(max: number, left: number): SchedulerError {
  return new SchedulerError('ELOOP', `dispatched maxEvents=${max} events and ${left} are still pending`);
}
