import type { Scheduler } from '@rdmalab/kernel';
import {
  type CompletionQueue,
  type CqMode,
  type CreateCqOptions,
  VerbsError,
  WcStatus,
  type WorkCompletion,
} from '@rdmalab/verbs';
import { WqeQueue } from '../engine/wqe-queue.js';

/** Told when a send completion leaves the CQ (the 'signaled-only' retirement point). */
export interface CompletionReaper {
  reaped(sqIndex: number): void;
}

interface CqEntry {
  wc: WorkCompletion;
  reaper: CompletionReaper | undefined;
  sqIndex: number;
}

/** What a CQ needs from its device. */
export interface CqHost {
  readonly scheduler: Scheduler;
  cqOverflow(cq: SoftCompletionQueue): void;
  cqDestroyed(cq: SoftCompletionQueue): void;
}

const DEFAULT_BUDGET = 16;

/**
 * A completion queue. In callback mode a poller task on the scheduler drains it in passes of
 * `budget` completions (like ib_cq's IB_POLL_SOFTIRQ work), calling each WR's `cqe.done` or the
 * CQ's handler; in poll mode the owner polls and may arm a one-shot notification.
 */
export class SoftCompletionQueue implements CompletionQueue {
  readonly capacity: number;
  readonly mode: CqMode;
  readonly label: string | undefined;
  private readonly entries = new WqeQueue<CqEntry>();
  private readonly budget: number;
  private readonly onCompletion: ((wc: WorkCompletion) => void) | undefined;
  private readonly onEvent: (() => void) | undefined;
  private pollScheduled = false;
  private armed: 'none' | 'any' | 'solicited' = 'none';
  private overflowed = false;
  private destroyed = false;
  /** QPs using this CQ (destroy is EBUSY while > 0). */
  users = 0;
  private readonly boundPass = () => this.pollPass();
  private readonly boundEvent = () => this.onEvent?.();

  constructor(
    private readonly host: CqHost,
    options: CreateCqOptions,
    maxCqe: number,
  ) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1 || options.capacity > maxCqe) {
      throw new VerbsError('EINVAL', `createCq: capacity ${options.capacity} must be 1..${maxCqe}`);
    }
    if (options.mode !== 'callback' && options.mode !== 'poll') {
      throw new VerbsError('EINVAL', `createCq: mode ${String(options.mode)} must be 'callback' or 'poll'`);
    }
    const budget = options.budget ?? DEFAULT_BUDGET;
    if (!Number.isInteger(budget) || budget < 1)
      throw new VerbsError('EINVAL', `createCq: budget ${budget} must be >= 1`);
    this.capacity = options.capacity;
    this.mode = options.mode;
    this.budget = budget;
    this.onCompletion = options.onCompletion;
    this.onEvent = options.onEvent;
    this.label = options.label;
  }

  get depth(): number {
    return this.entries.size;
  }

  /** The engine adds a completion. Overflow raises CQ_ERR and leaves the CQ unusable, as in IBA. */
  push(wc: WorkCompletion, reaper: CompletionReaper | undefined, sqIndex: number, solicited: boolean): void {
    if (this.destroyed || this.overflowed) return;
    if (this.entries.size >= this.capacity) {
      this.overflowed = true;
      this.host.cqOverflow(this);
      return;
    }
    this.entries.push({ wc, reaper, sqIndex });
    if (this.mode === 'callback') {
      if (!this.pollScheduled) {
        this.pollScheduled = true;
        this.host.scheduler.setTimer(0, this.boundPass, 'roce.cq_poll');
      }
    } else if (
      this.armed === 'any' ||
      (this.armed === 'solicited' && (solicited || wc.status !== WcStatus.SUCCESS))
    ) {
      this.armed = 'none';
      this.host.scheduler.setTimer(0, this.boundEvent, 'roce.cq_event');
    }
  }

  private take(): WorkCompletion | undefined {
    const head = this.entries.head;
    const entry = this.entries.at(head);
    if (entry === undefined) return undefined;
    this.entries.dropBefore(head + 1);
    entry.reaper?.reaped(entry.sqIndex);
    return entry.wc;
  }

  private pollPass(): void {
    this.pollScheduled = false;
    if (this.destroyed) return;
    for (let n = 0; n < this.budget; n++) {
      const wc = this.take();
      if (wc === undefined) return;
      if (wc.cqe !== undefined) wc.cqe.done(wc);
      else this.onCompletion?.(wc);
    }
    if (this.entries.size > 0 && !this.pollScheduled) {
      this.pollScheduled = true;
      this.host.scheduler.setTimer(0, this.boundPass, 'roce.cq_poll');
    }
  }

  poll(max: number): WorkCompletion[] {
    this.checkUsable('poll');
    if (this.mode !== 'poll') throw new VerbsError('EINVAL', 'poll: CQ is in callback mode');
    if (!Number.isInteger(max) || max < 0) throw new VerbsError('EINVAL', `poll: max ${max} must be >= 0`);
    const out: WorkCompletion[] = [];
    while (out.length < max) {
      const wc = this.take();
      if (wc === undefined) break;
      out.push(wc);
    }
    return out;
  }

  reqNotify(solicitedOnly: boolean): void {
    this.checkUsable('reqNotify');
    if (this.mode !== 'poll') throw new VerbsError('EINVAL', 'reqNotify: CQ is in callback mode');
    this.armed = solicitedOnly ? 'solicited' : 'any';
  }

  destroy(): void {
    if (this.destroyed) throw new VerbsError('EINVAL', 'destroy: CQ already destroyed');
    if (this.users > 0) throw new VerbsError('EBUSY', `destroy: CQ still used by ${this.users} QP(s)`);
    this.destroyed = true;
    this.entries.clear();
    this.host.cqDestroyed(this);
  }

  private checkUsable(what: string): void {
    if (this.destroyed) throw new VerbsError('EINVAL', `${what}: CQ was destroyed`);
    if (this.overflowed)
      throw new VerbsError('EIO', `${what}: CQ overflowed (capacity ${this.capacity}) and is unusable`);
  }
}
