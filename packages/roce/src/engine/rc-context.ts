import type { Scheduler, TimerHandle } from '@rdmalab/kernel';
import type { AccessFlags, WcOpcode, WcStatus } from '@rdmalab/verbs';
import type { PacketLink, PacketRoute } from '../link/packet-link.js';
import type { EngineStats } from './engine-stats.js';
import type { LocalMemory } from './local-memory.js';
import { PayloadPool } from './payload-pool.js';
import type { RecvWqe } from './recv-wqe.js';
import type { SendWqe } from './send-wqe.js';
import { WqeQueue } from './wqe-queue.js';

/** Connection parameters, from modify-QP (→RTR for the responder side, →RTS for the requester side). */
export interface RcParams {
  destQpn: number;
  /** Path MTU in payload bytes per packet. */
  mtu: number;
  rqPsn: number;
  sqPsn: number;
  /** Local ACK timeout code (0 = no timer). */
  timeout: number;
  retryCnt: number;
  rnrRetry: number;
  /** Timer code this QP sends in RNR NAKs. */
  minRnrTimer: number;
  maxRdAtomic: number;
  maxDestRdAtomic: number;
  /** Remote operations this QP accepts as responder (REMOTE_WRITE / REMOTE_READ). */
  accessFlags: AccessFlags;
  route: PacketRoute;
}

/** How a receive finished. */
export interface RecvCompletion {
  status: WcStatus;
  opcode: WcOpcode;
  byteLen: number;
  wcFlags: number;
  immData?: number;
  invalidatedRkey?: number;
  /** The message carried the SE bit (wakes a solicited-only notification). */
  solicited: boolean;
}

/** What the engine calls back into the verbs layer for. */
export interface EngineHooks {
  /** A send WQE finished (status in wqe.status): post its completion if due, apply the retirement model. */
  completeSend(wqe: SendWqe): void;
  /** A receive finished. */
  completeRecv(wqe: RecvWqe, completion: RecvCompletion): void;
  /** An error the QP cannot continue from: move to ERR and flush everything left, in order. */
  fail(reason: string): void;
  /**
   * The responder hit an affiliated asynchronous error (IBA 11.6.3.1): 'access' for a remote access
   * violation (IBV_EVENT_QP_ACCESS_ERR), 'request' for an invalid request (QP_REQ_ERR), 'fatal' else.
   */
  responderError(kind: 'access' | 'request' | 'fatal'): void;
}

/** Everything outside the QP the engine uses. */
export interface EngineEnv {
  scheduler: Scheduler;
  link: PacketLink;
  memory: LocalMemory;
  stats: EngineStats;
  hooks: EngineHooks;
  /** Buffers for outgoing payloads, shared by a device's QPs (default: one of the QP's own). */
  payloads?: PayloadPool;
}

/** One READ the responder accepted, kept to replay duplicates (rxe struct resp_res). */
export interface ReadResource {
  firstPsn: number;
  npkts: number;
  rkey: number;
  va: number;
  length: number;
}

/** Which half of the engine runs: RTR enables the responder, RTS the requester too. */
export type EngineMode = 'off' | 'responder' | 'full' | 'drain';

/**
 * The per-QP protocol state shared by requester, completer and responder (rxe struct rxe_qp's req,
 * comp and resp parts). Plain fields: these are touched on every packet.
 */
export class RcContext {
  mode: EngineMode = 'off';
  params: RcParams | undefined;
  readonly sq = new WqeQueue<SendWqe>();
  readonly rq = new WqeQueue<RecvWqe>();

  // requester (rxe qp->req)
  /** Next PSN to send. */
  psn = 0;
  /** Absolute SQ index of the WQE the requester works on. */
  reqIndex = 0;
  pktsSinceAckReq = 0;
  /** One past the highest PSN ever sent: anything before it is a retransmission. */
  sentEnd = 0;
  readsInFlight = 0;
  /** Waiting out an RNR NAK timer: nothing is sent. */
  rnrWaiting = false;
  runScheduled = false;

  // completer (rxe qp->comp)
  /** Oldest PSN not yet acknowledged. */
  compPsn = 0;
  /** Absolute SQ index of the oldest WQE not completed. */
  compIndex = 0;
  retryLeft = 0;
  rnrLeft = 0;
  timer: TimerHandle | undefined;
  /** Local ACK timeout in ns from params.timeout (0 = none), computed once per modify. */
  ackTimeoutNs = 0;
  /** The retransmit timer's real deadline; progress pushes it out without re-arming (no per-ACK timer). */
  timerDeadline = Number.POSITIVE_INFINITY;

  // responder (rxe qp->resp)
  /** Expected PSN of the next request. */
  epsn = 0;
  msn = 0;
  sentPsnNak = false;
  /** The operation of a multi-packet message in progress, or undefined between messages. */
  inMessage: 'SEND' | 'RDMA_WRITE' | undefined;
  curRecv: RecvWqe | undefined;
  recvOffset = 0;
  writeRkey = 0;
  writeVa = 0;
  writeLength = 0;
  writeOffset = 0;
  readonly readResources: ReadResource[] = [];
  nextReadResource = 0;
  readonly payloads: PayloadPool;

  constructor(
    readonly qpn: number,
    readonly env: EngineEnv,
  ) {
    this.payloads = env.payloads ?? new PayloadPool();
  }

  /** The track name tracepoints use for this QP. */
  get track(): string {
    return `qp ${this.qpn}`;
  }
}
