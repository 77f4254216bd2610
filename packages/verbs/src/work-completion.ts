import type { WcOpcode } from './constants/wc-opcode.js';
import type { WcStatus } from './constants/wc-status.js';
import type { CompletionHandler } from './work-request.js';

/**
 * A work completion (ibv_wc / ib_wc). When `status` is not SUCCESS only wrId, status, qpNum, vendorErr
 * (and cqe) are meaningful (ibv_poll_cq(3)).
 */
export interface WorkCompletion {
  wrId: number;
  status: WcStatus;
  opcode: WcOpcode;
  /** Bytes received (receive completions) or transferred (RDMA READ). */
  byteLen: number;
  qpNum: number;
  /** Remote QP number (receive completions). */
  srcQp: number;
  /** WcFlags bits: WITH_IMM, WITH_INVALIDATE. */
  wcFlags: number;
  immData?: number;
  /** The rkey the peer invalidated with SEND_WITH_INV. */
  invalidatedRkey?: number;
  vendorErr: number;
  cqe?: CompletionHandler;
}
