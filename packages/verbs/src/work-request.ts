import type { AccessFlags } from './constants/access-flags.js';
import type { SendFlags } from './constants/send-flags.js';
import type { WrOpcode } from './constants/wr-opcode.js';
import type { FastRegMr } from './memory-region.js';
import type { WorkCompletion } from './work-completion.js';

/**
 * A scatter/gather element (ibv_sge): `addr` is a DMA address when `lkey` is the PD's localDmaLkey,
 * otherwise an I/O virtual address inside the memory region that `lkey` names.
 */
export interface Sge {
  addr: number;
  length: number;
  lkey: number;
}

/**
 * The kernel's `struct ib_cqe`: a WR may carry the handler its completion is dispatched to, so one CQ
 * serves many kinds of WR without a wrId lookup. A CQ in callback mode calls `done` for completions of
 * WRs that carry it, and its own handler for the rest.
 */
export interface CompletionHandler {
  done(wc: WorkCompletion): void;
}

/** A Send Queue work request (ibv_send_wr / ib_send_wr). A post takes an array: the kernel's `next` chain. */
export interface SendWr {
  /** Returned in the completion. Any safe integer. */
  wrId: number;
  opcode: WrOpcode;
  /** Gather list; may be empty for a zero-length Send and for REG_MR / LOCAL_INV. */
  sgList: readonly Sge[];
  flags: SendFlags;
  cqe?: CompletionHandler;
  /** SEND_WITH_IMM / RDMA_WRITE_WITH_IMM: 32-bit immediate, network order on the wire. */
  immData?: number;
  /** SEND_WITH_INV: the peer's rkey to invalidate; LOCAL_INV: the local rkey/lkey to invalidate. */
  invalidateRkey?: number;
  /** RDMA_WRITE(_WITH_IMM) / RDMA_READ: the remote address and rkey. */
  rdma?: { remoteAddr: number; rkey: number };
  /** REG_MR: the MR whose page list (from mapSg) becomes valid with `access` under `key`. */
  reg?: { mr: FastRegMr; key: number; access: AccessFlags };
}

/** A Receive Queue work request (ibv_recv_wr). */
export interface RecvWr {
  wrId: number;
  sgList: readonly Sge[];
  cqe?: CompletionHandler;
}
