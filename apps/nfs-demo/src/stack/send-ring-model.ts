import type { TraceEvent, TraceSink } from '@rdmalab/kernel';

/**
 * Follows the client's Send path from its tracepoints (xprtrdma:post_send, wc_send, flush) and
 * keeps, in posting order, the send contexts that carry a posted, unretired Send. The ring walk
 * retires every context up to the completed one (the Send Queue completes in order), so a
 * completion of context c pops the queue through c. What the ring counts as outstanding beyond
 * this queue was handed out with no Send posted behind it: a leaked slot (I5).
 */
export class SendRingModel implements TraceSink {
  readonly #posted: number[] = [];
  /** Signaled Sends and all Sends posted, for the report. */
  signaled = 0;
  posted = 0;

  write(event: TraceEvent): void {
    if (event.subsystem !== 'xprtrdma') return;
    const f = event.fields as Record<string, unknown>;
    switch (event.name) {
      case 'post_send': {
        const ctx = Number(f.ctx);
        this.posted++;
        if (f.signaled === true) this.signaled++;
        if (ctx >= 0) this.#posted.push(ctx);
        return;
      }
      case 'wc_send': {
        const ctx = Number(f.ctx);
        const at = this.#posted.indexOf(ctx);
        if (at >= 0) this.#posted.splice(0, at + 1);
        return;
      }
      case 'flush':
        this.#posted.length = 0;
        return;
      default:
        return;
    }
  }

  /** Sends posted on the current connection and not yet retired by the ring walk. */
  get unretired(): number {
    return this.#posted.length;
  }
}
