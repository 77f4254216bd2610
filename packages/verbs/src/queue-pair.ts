import type { CompletionQueue } from './completion-queue.js';
import type { AccessFlags } from './constants/access-flags.js';
import type { Mtu } from './constants/mtu.js';
import type { QpState } from './constants/qp-state.js';
import type { RecvWr, SendWr } from './work-request.js';

/** Queue sizes (ibv_qp_cap). */
export interface QpCapabilities {
  maxSendWr: number;
  maxRecvWr: number;
  maxSendSge: number;
  maxRecvSge: number;
  maxInlineData: number;
}

export interface CreateQpOptions {
  /** Only reliable connected QPs are part of this contract. */
  type: 'RC';
  sendCq: CompletionQueue;
  recvCq: CompletionQueue;
  cap: QpCapabilities;
  /** ibv_qp_init_attr.sq_sig_all: every WR generates a completion, regardless of SIGNALED. */
  sqSigAll?: boolean;
  label?: string;
}

/** Where the peer is: the address vector of an RoCEv2 connection (IPv4 GIDs). */
export interface AddressVector {
  /** Destination IPv4 address, dotted quad: the remote GID ::ffff:a.b.c.d. */
  destIp: string;
  /** Source IPv4 address (local GID) used for this QP. */
  srcIp: string;
  hopLimit?: number;
  trafficClass?: number;
}

/**
 * QP attributes (ibv_qp_attr). `modify` takes the ones a transition needs (ibv_modify_qp(3)):
 * →INIT: state, pkeyIndex, port, accessFlags; →RTR: state, av, pathMtu, destQpNum, rqPsn,
 * maxDestRdAtomic, minRnrTimer; →RTS: state, sqPsn, maxRdAtomic, retryCnt, rnrRetry, timeout.
 */
export interface QpAttributes {
  state: QpState;
  pkeyIndex: number;
  port: number;
  accessFlags: AccessFlags;
  av: AddressVector;
  pathMtu: Mtu;
  destQpNum: number;
  /** Expected PSN of the first incoming request (24 bits). */
  rqPsn: number;
  /** PSN of the first outgoing request (24 bits). */
  sqPsn: number;
  /** RDMA READs this QP will serve at once as responder (responder resources). */
  maxDestRdAtomic: number;
  /** RDMA READs this QP may have outstanding as requester (initiator depth). */
  maxRdAtomic: number;
  /** RNR timer code (0..31) sent in RNR NAKs: how long the peer waits before retrying. */
  minRnrTimer: number;
  /** Retries after a local ACK timeout (0..7); exhaustion completes with RETRY_EXC_ERR. */
  retryCnt: number;
  /** Retries after an RNR NAK (0..7, 7 = infinite); exhaustion completes with RNR_RETRY_EXC_ERR. */
  rnrRetry: number;
  /** Local ACK timeout code (0..31): 4.096 µs × 2^timeout, 0 = infinite. */
  timeout: number;
}

/** A reliable connected queue pair (ibv_qp / ib_qp). */
export interface QueuePair {
  readonly qpNum: number;
  readonly state: QpState;
  readonly cap: QpCapabilities;
  readonly sendCq: CompletionQueue;
  readonly recvCq: CompletionQueue;
  /**
   * ibv_modify_qp. EINVAL (VerbsError) for a transition the state machine does not allow or a
   * required attribute missing — naming which.
   */
  modify(attrs: Partial<QpAttributes> & { state: QpState }): void;
  query(): Readonly<Partial<QpAttributes>> & { state: QpState };
  /**
   * ibv_post_send: validate and queue each WR in order. Throws VerbsError at the first WR that cannot
   * be posted (`badWrIndex`; earlier WRs were posted): ENOMEM when the Send Queue is full, EINVAL for
   * a malformed WR (too many SGEs, inline too large, missing rdma/reg fields), and — as real providers
   * do — posting in RESET/INIT/RTR is EINVAL; in ERR the WR is accepted and completes with WR_FLUSH_ERR.
   */
  postSend(wrs: readonly SendWr[]): void;
  /** ibv_post_recv: ENOMEM when the Receive Queue is full, EINVAL in RESET; in ERR it is flushed. */
  postRecv(wrs: readonly RecvWr[]): void;
  /** Send Queue slots in use: posted WRs the provider has not retired yet (see the retirement model). */
  readonly sendQueueUsed: number;
  /** ibv_destroy_qp. */
  destroy(): void;
}
