import { WcStatus as WcStatusImport } from '@rdmalab/verbs';
import { type AethNakName, classifyAeth as classifyAethImport } from '../wire/aeth.js';
import type { OpcodeInfo } from '../wire/opcodes.js';
import type { RocePacket } from '../wire/packet.js';
import { psnAdd as psnAddImport, psnDiff as psnDiffImport } from './psn.js';
import type { RcContext } from './rc-context.js';
import { INFINITE_RNR_RETRY } from './rc-limits.js';
import type { LocalOpSink, Requester } from './requester.js';
import type { SendWqe } from './send-wqe.js';

// Imported values used per packet, bound to module-local names once: under a module runner (vitest,
// where tests and fault sweeps run) every use of an imported binding is a getter call, which costs
// more than the operation and keeps the hot path from being inlined.
const WcStatus = WcStatusImport;
type WcStatus = WcStatusImport;
const classifyAeth = classifyAethImport;
const psnAdd = psnAddImport;
const psnDiff = psnDiffImport;

/** Requester-side status for a NAK code (IBA 9.9.2; rxe_comp.c check_ack). */
const NAK_STATUS: Readonly<Record<AethNakName, WcStatus>> = {
  PSN_SEQUENCE_ERROR: WcStatus.RETRY_EXC_ERR,
  INVALID_REQUEST: WcStatus.REM_INV_REQ_ERR,
  REMOTE_ACCESS_ERROR: WcStatus.REM_ACCESS_ERR,
  REMOTE_OPERATIONAL_ERROR: WcStatus.REM_OP_ERR,
  INVALID_RD_REQUEST: WcStatus.REM_INV_RD_REQ_ERR,
};

/**
 * The completer (rxe_comp.c): consumes ACKs, NAKs and READ responses, retires WQEs in Send Queue
 * order (one coalesced ACK completes every WQE up to its PSN), drives go-back-N on timeout / NAK
 * sequence error, waits out RNR NAKs, and turns exhausted retries and remote NAKs into completions.
 */
export class Completer implements LocalOpSink {
  private requester!: Requester;
  private progressed = false;
  private readonly boundRnrDone = () => this.rnrDone();

  constructor(private readonly ctx: RcContext) {}

  private get running(): boolean {
    return this.ctx.mode === 'full' || this.ctx.mode === 'drain';
  }

  attach(requester: Requester): void {
    this.requester = requester;
    requester.onTimeout = () => this.retry('timeout');
  }

  onResponse(packet: RocePacket, info: OpcodeInfo): void {
    const ctx = this.ctx;
    const stats = ctx.env.stats;
    if (ctx.mode !== 'full' && ctx.mode !== 'drain') {
      stats.droppedBadPackets.inc();
      return;
    }
    const p = packet.bth.psn;
    // A response must be for a PSN already sent; anything else is a ghost or a very old duplicate.
    // Compare with the highest PSN ever sent, not ctx.psn: after a go-back-N rewind, responses to the
    // first pass still arrive (in real time, before the requester has resent anything) and count.
    if (psnDiff(p, ctx.sentEnd) >= 0) {
      stats.droppedBadPackets.inc();
      return;
    }
    this.progressed = false;
    if (info.operation === 'RDMA_READ_RESPONSE') {
      this.onReadResponse(packet, info, p);
    } else if (info.operation === 'ACKNOWLEDGE' && packet.aeth !== undefined) {
      const meaning = classifyAeth(packet.aeth.syndrome);
      if (meaning.type === 'ACK') {
        stats.acksReceived.inc();
        stats.ack?.emit(
          { qpn: ctx.qpn, psn: p, msn: packet.aeth.msn, direction: 'rx' },
          { track: ctx.track },
        );
        const gap = this.ackThrough(p, true);
        if (this.progressed) this.onProgress();
        // ackThrough may have failed the QP (it then went to 'off').
        if (gap && this.running) this.retry('read_gap');
      } else if (meaning.type === 'RNR_NAK') {
        stats.rnrNaksReceived.inc();
        stats.rnrNak?.emit(
          { qpn: ctx.qpn, psn: p, timer: meaning.timerCode, direction: 'rx' },
          { track: ctx.track },
        );
        if (psnDiff(p, ctx.compPsn) < 0) return; // stale: that PSN was already acknowledged
        this.ackThrough(psnAdd(p, -1), false);
        if (this.progressed) this.onProgress();
        this.onRnr(meaning.delayMicros);
      } else if (meaning.type === 'NAK') {
        stats.naksReceived.inc();
        stats.nak?.emit({ qpn: ctx.qpn, psn: p, code: meaning.code, direction: 'rx' }, { track: ctx.track });
        // Stale, or the sequence NAK that follows an RNR NAK for the same gap: already rewinding.
        if (psnDiff(p, ctx.compPsn) < 0 || (ctx.rnrWaiting && meaning.code === 'PSN_SEQUENCE_ERROR')) return;
        // A NAK implicitly acknowledges every PSN before it (rxe_comp.c).
        this.ackThrough(psnAdd(p, -1), false);
        if (this.progressed) this.onProgress();
        if (meaning.code === 'PSN_SEQUENCE_ERROR') {
          this.retry('nak_seq');
        } else {
          const head = ctx.sq.at(ctx.compIndex);
          const status = meaning.code === 'RESERVED' ? WcStatus.BAD_RESP_ERR : NAK_STATUS[meaning.code];
          if (head !== undefined) this.failWqe(head, status, `peer NAK ${meaning.code} at psn ${p}`);
        }
      } else {
        stats.droppedBadPackets.inc();
      }
    } else {
      stats.droppedBadPackets.inc(); // atomic ACKs: atomics are not issued by this engine
    }
  }

  private onReadResponse(packet: RocePacket, info: OpcodeInfo, p: number): void {
    const ctx = this.ctx;
    // A READ response implicitly acknowledges everything before it.
    this.ackThrough(psnAdd(p, -1), false);
    const head = ctx.sq.at(ctx.compIndex);
    if (head === undefined || !head.isRead || !head.readInFlight || psnDiff(p, head.firstPsn) < 0) {
      if (this.progressed) this.onProgress();
      ctx.env.stats.droppedBadPackets.inc();
      return;
    }
    const d = psnDiff(p, ctx.compPsn);
    if (d !== 0) {
      if (this.progressed) this.onProgress();
      if (d > 0) this.retry('read_gap'); // responses were lost: ask again from the first missing one
      return;
    }
    const params = ctx.params!;
    const offset = psnDiff(p, head.firstPsn) * params.mtu;
    const isLast = info.position === 'LAST' || info.position === 'ONLY';
    const expected = Math.min(params.mtu, head.length - offset);
    if (packet.payload.length !== expected || isLast !== (p === head.lastPsn)) {
      this.failWqe(
        head,
        WcStatus.BAD_RESP_ERR,
        `read response psn ${p} carries ${packet.payload.length} bytes`,
      );
      return;
    }
    if (expected > 0) {
      const status = ctx.env.memory.scatter(head.wr.sgList, offset, packet.payload);
      if (status !== WcStatus.SUCCESS) {
        this.failWqe(head, status, `scatter of read response psn ${p} faulted`);
        return;
      }
    }
    ctx.compPsn = psnAdd(p, 1);
    this.progressed = true;
    if (isLast) {
      head.done = true;
      this.complete(head);
      this.ackThrough(psnAdd(p, 0), false);
    }
    this.onProgress();
  }

  /**
   * Complete WQEs in order while they are covered by an acknowledgement of PSN p (inclusive).
   * Returns true when a READ whose responses have not all arrived was passed over: they were lost.
   */
  private ackThrough(p: number, detectReadGap: boolean): boolean {
    const ctx = this.ctx;
    for (;;) {
      const wqe = ctx.sq.at(ctx.compIndex);
      if (wqe === undefined) return false;
      if (wqe.isLocal) {
        if (!wqe.done) return false;
        this.complete(wqe);
        continue;
      }
      if (!wqe.started) return false;
      if (wqe.isRead) {
        if (wqe.done) {
          this.complete(wqe);
          continue;
        }
        return detectReadGap && psnDiff(p, wqe.firstPsn) >= 0;
      }
      if (psnDiff(wqe.lastPsn, p) <= 0) {
        ctx.compPsn = psnAdd(wqe.lastPsn, 1);
        this.progressed = true;
        this.complete(wqe);
        continue;
      }
      if (psnDiff(p, ctx.compPsn) >= 0) {
        ctx.compPsn = psnAdd(p, 1); // part of a multi-packet message acknowledged
        this.progressed = true;
      }
      return false;
    }
  }

  private complete(wqe: SendWqe): void {
    const ctx = this.ctx;
    ctx.compIndex = wqe.index + 1;
    if (wqe.isRead && wqe.readInFlight) {
      wqe.readInFlight = false;
      ctx.readsInFlight--;
    }
    ctx.sq.dropBefore(ctx.compIndex);
    ctx.env.hooks.completeSend(wqe);
  }

  /** Good progress: retry budgets refill, the timer restarts, the requester may continue. */
  private onProgress(): void {
    const ctx = this.ctx;
    const params = ctx.params!;
    ctx.retryLeft = params.retryCnt;
    ctx.rnrLeft = params.rnrRetry;
    this.requester.restartTimer();
    this.requester.schedule();
  }

  /** Complete finished local operations at the head of the Send Queue. */
  drainDone(): void {
    this.ackThrough(psnAdd(this.ctx.compPsn, -1), false);
  }

  failWqe(wqe: SendWqe, status: WcStatus, reason: string): void {
    wqe.status = status;
    wqe.done = true;
    this.ctx.env.hooks.fail(reason);
  }

  /** Local ACK timeout, NAK sequence error or lost READ responses: go back N, or give up. */
  retry(reason: 'timeout' | 'nak_seq' | 'read_gap'): void {
    const ctx = this.ctx;
    const head = ctx.sq.at(ctx.compIndex);
    if (head === undefined) return;
    if (ctx.retryLeft <= 0) {
      this.failWqe(head, WcStatus.RETRY_EXC_ERR, `retry_cnt exhausted (${reason}) at psn ${ctx.compPsn}`);
      return;
    }
    ctx.retryLeft--;
    ctx.env.stats.retransmit?.emit({ qpn: ctx.qpn, psn: ctx.compPsn, reason }, { track: ctx.track });
    this.requester.rewind();
    ctx.timerDeadline = Number.POSITIVE_INFINITY;
    this.requester.schedule();
  }

  private onRnr(delayMicros: number): void {
    const ctx = this.ctx;
    const head = ctx.sq.at(ctx.compIndex);
    if (head === undefined) return;
    if (ctx.rnrLeft <= 0) {
      this.failWqe(head, WcStatus.RNR_RETRY_EXC_ERR, `rnr_retry exhausted at psn ${ctx.compPsn}`);
      return;
    }
    if (ctx.params!.rnrRetry !== INFINITE_RNR_RETRY) ctx.rnrLeft--;
    ctx.env.stats.retransmit?.emit({ qpn: ctx.qpn, psn: ctx.compPsn, reason: 'rnr' }, { track: ctx.track });
    ctx.rnrWaiting = true;
    this.requester.rewind();
    ctx.timerDeadline = Number.POSITIVE_INFINITY;
    ctx.env.scheduler.setTimer(delayMicros * 1000, this.boundRnrDone, 'roce.rnr_wait');
  }

  private rnrDone(): void {
    const ctx = this.ctx;
    if (!ctx.rnrWaiting) return;
    ctx.rnrWaiting = false;
    this.requester.schedule();
  }

  /** QP → ERR: complete every remaining send WQE in order, an error status where one is known. */
  flush(): void {
    const ctx = this.ctx;
    for (let i = ctx.compIndex; i < ctx.sq.tail; i++) {
      const wqe = ctx.sq.at(i);
      if (wqe === undefined) continue;
      if (wqe.status === WcStatus.SUCCESS) wqe.status = WcStatus.WR_FLUSH_ERR;
      wqe.readInFlight = false;
      ctx.compIndex = i + 1;
      ctx.env.hooks.completeSend(wqe);
    }
    ctx.readsInFlight = 0;
    ctx.reqIndex = ctx.compIndex;
    ctx.sq.dropBefore(ctx.compIndex);
  }
}
