import type { WorkCompletion } from './work-completion.js';

/**
 * How a CQ delivers completions:
 * - `callback`: like ib_alloc_cq(IB_POLL_SOFTIRQ) — the backend schedules a poller that drains the CQ
 *   in batches and calls each completion's `cqe.done` (or `onCompletion`). One poller at a time per
 *   CQ, so handlers on one CQ are serialized, as the kernel's are.
 * - `poll`: like ibv_create_cq + ibv_poll_cq — the owner polls; `reqNotify` arms a one-shot event.
 */
export type CqMode = 'callback' | 'poll';

export interface CreateCqOptions {
  /** Capacity (ibv_create_cq `cqe`). A CQ that overflows raises CQ_ERR and becomes unusable. */
  capacity: number;
  mode: CqMode;
  /** callback mode: handler for completions whose WR carried no `cqe`. */
  onCompletion?: (wc: WorkCompletion) => void;
  /** callback mode: completions handled per poll pass before yielding (IB_POLL_BUDGET_*). Default 16. */
  budget?: number;
  /** poll mode: called when an armed CQ gets a completion (the completion channel event). */
  onEvent?: () => void;
  label?: string;
}

/** A completion queue (ibv_cq / ib_cq). */
export interface CompletionQueue {
  readonly capacity: number;
  readonly mode: CqMode;
  /** Completions waiting to be polled. */
  readonly depth: number;
  /** poll mode: take up to `max` completions in order. EINVAL in callback mode. */
  poll(max: number): WorkCompletion[];
  /**
   * poll mode: arm a one-shot notification (ibv_req_notify_cq). With `solicitedOnly`, only a receive
   * with the SE bit or an error completion fires it.
   */
  reqNotify(solicitedOnly: boolean): void;
  /** ibv_destroy_cq; EBUSY while a QP still uses it. */
  destroy(): void;
}
