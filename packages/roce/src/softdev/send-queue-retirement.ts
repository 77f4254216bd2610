/**
 * When a Send Queue slot becomes free again:
 * - 'each' (rxe): as soon as its WQE completes, signaled or not (rxe_comp.c do_complete).
 * - 'signaled-only' (mlx5): only when a later completion is reaped from the CQ; that retires every
 *   earlier unsignaled WQE at once (providers/mlx5/cq.c wq->tail). A QP that never signals fills up.
 */
export type SqRetirement = 'signaled-only' | 'each';

/** Send Queue occupancy under a retirement model, by absolute WQE index. */
export class SendQueueSlots {
  private posted = 0;
  private retired = 0;

  constructor(
    readonly model: SqRetirement,
    readonly capacity: number,
  ) {}

  get used(): number {
    return this.posted - this.retired;
  }

  get full(): boolean {
    return this.used >= this.capacity;
  }

  /** Take a slot for the WQE with absolute index `index` (the next one). */
  post(index: number): void {
    this.posted = index + 1;
  }

  /** The WQE finished in the engine. */
  completed(index: number): void {
    if (this.model === 'each' && index + 1 > this.retired) this.retired = index + 1;
  }

  /** Its completion was polled, or delivered by the CQ's poller. */
  reaped(index: number): void {
    if (this.model === 'signaled-only' && index + 1 > this.retired) this.retired = index + 1;
  }

  /** QP reset: everything posted is forgotten. */
  reset(nextIndex: number): void {
    this.posted = nextIndex;
    this.retired = nextIndex;
  }
}
