import { type SendWr, WcStatus, WrOpcode } from '@rdmalab/verbs';
import type { SegmentedMessage } from '../wire/opcodes.js';

/** What a Send Queue entry does on the wire (or locally, for REG_MR / LOCAL_INV). */
export type SendKind = Exclude<SegmentedMessage, 'RDMA_READ_RESPONSE'> | 'RDMA_READ' | 'REG_MR' | 'LOCAL_INV';

/** WR opcode → kind; atomics and memory windows are not part of this engine (absent = unsupported). */
const KIND_OF_OPCODE: ReadonlyMap<number, SendKind> = new Map<number, SendKind>([
  [WrOpcode.SEND, 'SEND'],
  [WrOpcode.SEND_WITH_IMM, 'SEND_WITH_IMM'],
  [WrOpcode.SEND_WITH_INV, 'SEND_WITH_INV'],
  [WrOpcode.RDMA_WRITE, 'RDMA_WRITE'],
  [WrOpcode.RDMA_WRITE_WITH_IMM, 'RDMA_WRITE_WITH_IMM'],
  [WrOpcode.RDMA_READ, 'RDMA_READ'],
  [WrOpcode.REG_MR, 'REG_MR'],
  [WrOpcode.LOCAL_INV, 'LOCAL_INV'],
]);

export function sendKindOf(opcode: number): SendKind | undefined {
  return KIND_OF_OPCODE.get(opcode);
}

/** A posted send WR and the engine's progress on it (rxe struct rxe_send_wqe). */
export class SendWqe {
  /** PSN of the first packet; valid once `started`. */
  firstPsn = 0;
  /** PSN of the last packet (for a READ, of the last response). */
  lastPsn = 0;
  /** Packets (PSNs) the message takes. */
  npkts = 0;
  /** Requester cursor: the next packet index to (re)transmit. */
  nextPkt = 0;
  /** PSNs have been assigned (first transmission happened). */
  started = false;
  /** Local op executed, or READ data fully received. */
  done = false;
  /** Final status once known; an error status is reported even for an unsignaled WR. */
  status: WcStatus = WcStatus.SUCCESS;
  /** READ request sent and responses not all in. */
  readInFlight = false;

  constructor(
    /** Absolute Send Queue index. */
    readonly index: number,
    readonly wr: SendWr,
    readonly kind: SendKind,
    /** Total message length (sum of the gather list). */
    readonly length: number,
    readonly signaled: boolean,
    /** INLINE payload copied at post time; otherwise gathered at every (re)transmission. */
    readonly inline: Uint8Array | undefined,
  ) {}

  get isLocal(): boolean {
    return this.kind === 'REG_MR' || this.kind === 'LOCAL_INV';
  }

  get isRead(): boolean {
    return this.kind === 'RDMA_READ';
  }
}
