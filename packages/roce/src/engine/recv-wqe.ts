import type { RecvWr } from '@rdmalab/verbs';

/** A posted receive WR (rxe struct rxe_recv_wqe). */
export class RecvWqe {
  constructor(
    readonly index: number,
    readonly wr: RecvWr,
    /** Bytes the scatter list can hold. */
    readonly capacity: number,
  ) {}
}
