import { SendFlags as SendFlagsImport, WcStatus as WcStatusImport } from '@rdmalab/verbs';
import type { TxProvenance } from '../link/packet-link.js';
import {
  Opcode as OpcodeImport,
  SEGMENT_OPCODES as SEGMENT_OPCODESImport,
  type SegmentedMessage,
  segmentPosition as segmentPositionImport,
} from '../wire/opcodes.js';
import { makeBth as makeBthImport, type RocePacket } from '../wire/packet.js';
import type { DmaSource } from './local-memory.js';
import { psnAdd as psnAddImport, psnDiff as psnDiffImport } from './psn.js';
import type { RcContext } from './rc-context.js';
import {
  MAX_PKT_PER_ACK as MAX_PKT_PER_ACKImport,
  MAX_UNACKED_PSNS as MAX_UNACKED_PSNSImport,
} from './rc-limits.js';
import type { SendWqe } from './send-wqe.js';

// Imported values used per packet, bound to module-local names once: under a module runner (vitest,
// where tests and fault sweeps run) every use of an imported binding is a getter call, which costs
// more than the operation and keeps the hot path from being inlined.
const SendFlags = SendFlagsImport;
const WcStatus = WcStatusImport;
type WcStatus = WcStatusImport;
const Opcode = OpcodeImport;
const SEGMENT_OPCODES = SEGMENT_OPCODESImport;
const segmentPosition = segmentPositionImport;
const makeBth = makeBthImport;
const psnAdd = psnAddImport;
const psnDiff = psnDiffImport;
const MAX_PKT_PER_ACK = MAX_PKT_PER_ACKImport;
const MAX_UNACKED_PSNS = MAX_UNACKED_PSNSImport;

const EMPTY = new Uint8Array(0);

/** Hands finished local operations to the completer, which completes them in SQ order. */
export interface LocalOpSink {
  drainDone(): void;
  /** Complete `wqe` with an error status: QP → ERR, the rest flushed. */
  failWqe(wqe: SendWqe, status: WcStatus, reason: string): void;
}

/**
 * The requester (rxe_req.c): walks the Send Queue, cuts messages into MTU packets, assigns PSNs,
 * gathers payload from host memory through the IOMMU at every (re)transmission, sets AckReq, keeps
 * the retransmit timer armed, and rewinds for go-back-N.
 */
export class Requester {
  private readonly boundRun = () => this.run();
  private readonly boundTimer = () => this.onTimer();
  /** Called when the local ACK timer expires with PSNs outstanding. */
  onTimeout: () => void = () => {};

  constructor(
    private readonly ctx: RcContext,
    private readonly completer: LocalOpSink,
  ) {}

  /** Ring the doorbell: run the requester after `delayNs` (a scheduler task, never re-entrant). */
  schedule(delayNs = 0): void {
    const ctx = this.ctx;
    if (ctx.runScheduled) return;
    ctx.runScheduled = true;
    ctx.env.scheduler.setTimer(delayNs, this.boundRun, 'roce.requester');
  }

  /** Go-back-N: resend from the oldest unacknowledged PSN (rxe_req.c req_retry). */
  rewind(): void {
    const ctx = this.ctx;
    ctx.psn = ctx.compPsn;
    ctx.reqIndex = ctx.compIndex;
    ctx.pktsSinceAckReq = 0;
    ctx.readsInFlight = 0;
    for (let i = ctx.compIndex; i < ctx.sq.tail; i++) {
      const wqe = ctx.sq.at(i);
      if (wqe === undefined || !wqe.started) continue;
      const k = psnDiff(ctx.compPsn, wqe.firstPsn);
      wqe.nextPkt = k > 0 && k < wqe.npkts ? k : 0;
      wqe.readInFlight = false;
    }
  }

  run(): void {
    const ctx = this.ctx;
    ctx.runScheduled = false;
    const params = ctx.params;
    if (params === undefined || (ctx.mode !== 'full' && ctx.mode !== 'drain') || ctx.rnrWaiting) return;
    for (;;) {
      const wqe = ctx.sq.at(ctx.reqIndex);
      if (wqe === undefined) break;
      if (wqe.isLocal) {
        if (wqe.done) {
          ctx.reqIndex++;
          continue;
        }
        // rxe fences LOCAL_INV behind every prior WQE; REG_MR runs in order without waiting.
        if (wqe.kind === 'LOCAL_INV' && ctx.compIndex !== wqe.index) break;
        if (!this.runLocal(wqe)) return;
        continue;
      }
      if (!wqe.started && ctx.mode === 'drain') break; // SQD: finish what started, start nothing new
      if ((wqe.wr.flags & SendFlags.FENCE) !== 0 && !wqe.started && this.priorReadsPending(wqe.index)) break;
      if (psnDiff(ctx.psn, ctx.compPsn) >= MAX_UNACKED_PSNS) break;
      if (!wqe.started) {
        wqe.firstPsn = ctx.psn;
        wqe.npkts = Math.max(1, Math.ceil(wqe.length / params.mtu));
        wqe.lastPsn = psnAdd(wqe.firstPsn, wqe.npkts - 1);
        wqe.nextPkt = 0;
        wqe.started = true;
      }
      if (wqe.isRead) {
        if (ctx.readsInFlight >= Math.max(1, params.maxRdAtomic)) break;
        this.sendReadRequest(wqe);
        ctx.reqIndex++;
        continue;
      }
      if (!this.sendPacket(wqe)) return;
      if (wqe.nextPkt >= wqe.npkts) ctx.reqIndex++;
    }
  }

  private priorReadsPending(index: number): boolean {
    const ctx = this.ctx;
    for (let i = ctx.compIndex; i < index; i++) {
      const w = ctx.sq.at(i);
      if (w?.isRead && !w.done) return true;
    }
    return false;
  }

  /** REG_MR / LOCAL_INV (rxe_req.c rxe_do_local_ops). Returns false when the QP failed. */
  private runLocal(wqe: SendWqe): boolean {
    const ctx = this.ctx;
    const memory = ctx.env.memory;
    let status: WcStatus;
    if (wqe.kind === 'REG_MR') {
      status = wqe.wr.reg === undefined ? WcStatus.LOC_QP_OP_ERR : memory.registerFast(wqe.wr.reg);
    } else {
      status = memory.invalidateLocal(wqe.wr.invalidateRkey ?? -1);
    }
    wqe.done = true;
    ctx.reqIndex++;
    if (status !== WcStatus.SUCCESS) {
      this.completer.failWqe(wqe, status, `${wqe.kind} wr ${wqe.wr.wrId} failed`);
      return false;
    }
    this.completer.drainDone();
    return true;
  }

  private sendReadRequest(wqe: SendWqe): void {
    const ctx = this.ctx;
    const params = ctx.params!;
    const k = wqe.nextPkt;
    const offset = k * params.mtu;
    const psn = psnAdd(wqe.firstPsn, k);
    const rdma = wqe.wr.rdma!;
    const packet: RocePacket = {
      bth: makeBth({ opcode: Opcode.RC_RDMA_READ_REQUEST, destQp: params.destQpn, psn, ackReq: true }),
      reth: { va: BigInt(rdma.remoteAddr + offset), rkey: rdma.rkey, dmaLength: wqe.length - offset },
      payload: EMPTY,
    };
    if (psnDiff(psn, ctx.sentEnd) < 0) ctx.env.stats.retransmissions.inc();
    ctx.psn = psnAdd(wqe.lastPsn, 1);
    this.markSent(ctx.psn);
    wqe.nextPkt = wqe.npkts;
    wqe.readInFlight = true;
    ctx.readsInFlight++;
    ctx.pktsSinceAckReq = 0;
    ctx.env.stats.txPackets.inc();
    ctx.env.link.transmit(packet, params.route);
    this.armTimer();
  }

  /** Build and send packet `wqe.nextPkt`. Returns false when a gather fault failed the QP. */
  private sendPacket(wqe: SendWqe): boolean {
    const ctx = this.ctx;
    const params = ctx.params!;
    const mtu = params.mtu;
    const k = wqe.nextPkt;
    const offset = k * mtu;
    const len = Math.min(mtu, wqe.length - offset);
    const psn = psnAdd(wqe.firstPsn, k);
    const retransmission = psnDiff(psn, ctx.sentEnd) < 0;

    let payload: Uint8Array;
    let sources: DmaSource[] | undefined;
    if (wqe.inline !== undefined) {
      payload = wqe.inline.subarray(offset, offset + len);
      sources = [];
    } else if (len === 0) {
      payload = EMPTY;
      sources = [];
    } else {
      payload = ctx.payloads.take(len);
      sources = [];
      // Gather now, from whatever the pages hold now: hardware never keeps a copy for retransmission.
      const status = ctx.env.memory.gather(wqe.wr.sgList, offset, payload, sources);
      if (status !== WcStatus.SUCCESS) {
        this.completer.failWqe(wqe, status, `gather for psn ${psn} of wr ${wqe.wr.wrId} faulted`);
        return false;
      }
    }

    const position = segmentPosition(k, wqe.npkts);
    const last = position === 'LAST' || position === 'ONLY';
    const kind = wqe.kind as Exclude<SegmentedMessage, 'RDMA_READ_RESPONSE'>;
    let ackReq = last;
    if (++ctx.pktsSinceAckReq >= MAX_PKT_PER_ACK) ackReq = true;
    if (ackReq) ctx.pktsSinceAckReq = 0;
    const packet: RocePacket = {
      bth: makeBth({
        opcode: SEGMENT_OPCODES[kind][position],
        destQp: params.destQpn,
        psn,
        ackReq,
        se: last && (wqe.wr.flags & SendFlags.SOLICITED) !== 0 && kind !== 'RDMA_WRITE',
      }),
      payload,
    };
    if (
      (kind === 'RDMA_WRITE' || kind === 'RDMA_WRITE_WITH_IMM') &&
      (position === 'FIRST' || position === 'ONLY')
    ) {
      const rdma = wqe.wr.rdma!;
      packet.reth = { va: BigInt(rdma.remoteAddr), rkey: rdma.rkey, dmaLength: wqe.length };
    }
    if (last && (kind === 'SEND_WITH_IMM' || kind === 'RDMA_WRITE_WITH_IMM'))
      packet.immDt = wqe.wr.immData ?? 0;
    if (last && kind === 'SEND_WITH_INV') packet.ieth = wqe.wr.invalidateRkey ?? 0;

    wqe.nextPkt = k + 1;
    ctx.psn = psnAdd(psn, 1);
    this.markSent(ctx.psn);
    if (retransmission) ctx.env.stats.retransmissions.inc();
    const provenance: TxProvenance = {
      qpn: ctx.qpn,
      psn,
      retransmission,
      wrId: wqe.wr.wrId,
      sources,
    };
    ctx.env.stats.txPackets.inc();
    ctx.env.link.transmit(packet, params.route, provenance);
    this.armTimer();
    return true;
  }

  private markSent(nextPsn: number): void {
    const ctx = this.ctx;
    if (psnDiff(nextPsn, ctx.sentEnd) > 0) ctx.sentEnd = nextPsn;
  }

  /** Arm the local ACK timer if it is not running (rxe: mod_timer only when not pending). */
  armTimer(): void {
    const ctx = this.ctx;
    const ns = ctx.ackTimeoutNs;
    if (ns === 0) return;
    if (ctx.timerDeadline === Number.POSITIVE_INFINITY) ctx.timerDeadline = ctx.env.scheduler.now() + ns;
    if (ctx.timer?.pending) return;
    ctx.timer = ctx.env.scheduler.setTimerAt(ctx.timerDeadline, this.boundTimer, 'roce.retransmit');
  }

  /** Progress was made: push the deadline out (or stop it when nothing is outstanding). */
  restartTimer(): void {
    const ctx = this.ctx;
    const ns = ctx.ackTimeoutNs;
    if (ns === 0 || psnDiff(ctx.psn, ctx.compPsn) <= 0) {
      ctx.timerDeadline = Number.POSITIVE_INFINITY;
      return;
    }
    ctx.timerDeadline = ctx.env.scheduler.now() + ns;
    if (!ctx.timer?.pending)
      ctx.timer = ctx.env.scheduler.setTimerAt(ctx.timerDeadline, this.boundTimer, 'roce.retransmit');
  }

  stopTimer(): void {
    const ctx = this.ctx;
    ctx.timer?.cancel();
    ctx.timer = undefined;
    ctx.timerDeadline = Number.POSITIVE_INFINITY;
  }

  private onTimer(): void {
    const ctx = this.ctx;
    if (ctx.mode === 'off' || ctx.timerDeadline === Number.POSITIVE_INFINITY) return;
    const now = ctx.env.scheduler.now();
    if (now < ctx.timerDeadline) {
      ctx.timer = ctx.env.scheduler.setTimerAt(ctx.timerDeadline, this.boundTimer, 'roce.retransmit');
      return;
    }
    ctx.timerDeadline = Number.POSITIVE_INFINITY;
    if (ctx.rnrWaiting || psnDiff(ctx.psn, ctx.compPsn) <= 0) return;
    this.onTimeout();
  }
}
