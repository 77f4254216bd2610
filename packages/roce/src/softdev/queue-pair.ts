import type { Scheduler } from '@rdmalab/kernel';
import { MemoryError, type PhysicalMemory } from '@rdmalab/kernel';
import {
  AccessFlags,
  AsyncEventType,
  type CreateQpOptions,
  checkQpTransition,
  mtuBytes,
  type QpAttributes,
  type QpCapabilities,
  QpState as QpStateImport,
  type QueuePair,
  type RecvWr,
  SendFlags as SendFlagsImport,
  type SendWr,
  VerbsError,
  WcOpcode,
  WcStatus as WcStatusImport,
  type WorkCompletion,
} from '@rdmalab/verbs';
import type { EngineStats } from '../engine/engine-stats.js';
import type { LocalMemory } from '../engine/local-memory.js';
import type { PayloadPool } from '../engine/payload-pool.js';
import type { EngineEnv, RcParams, RecvCompletion } from '../engine/rc-context.js';
import { RcEngine } from '../engine/rc-engine.js';
import { RecvWqe } from '../engine/recv-wqe.js';
import { type SendKind, SendWqe, sendKindOf as sendKindOfImport } from '../engine/send-wqe.js';
import type { PacketLink } from '../link/packet-link.js';
import type { RocePacket } from '../wire/packet.js';
import type { CompletionReaper, SoftCompletionQueue } from './completion-queue.js';
import { SendQueueSlots, type SqRetirement } from './send-queue-retirement.js';

// Imported values used per packet, bound to module-local names once: under a module runner (vitest,
// where tests and fault sweeps run) every use of an imported binding is a getter call, which costs
// more than the operation and keeps the hot path from being inlined.
const QpState = QpStateImport;
type QpState = QpStateImport;
const SendFlags = SendFlagsImport;
const WcStatus = WcStatusImport;
const sendKindOf = sendKindOfImport;

const WC_OPCODE_OF_KIND: Readonly<Record<SendKind, WcOpcode>> = {
  SEND: WcOpcode.SEND,
  SEND_WITH_IMM: WcOpcode.SEND,
  SEND_WITH_INV: WcOpcode.SEND,
  RDMA_WRITE: WcOpcode.RDMA_WRITE,
  RDMA_WRITE_WITH_IMM: WcOpcode.RDMA_WRITE,
  RDMA_READ: WcOpcode.RDMA_READ,
  REG_MR: WcOpcode.REG_MR,
  LOCAL_INV: WcOpcode.LOCAL_INV,
};

const RESPONDER_EVENTS = {
  access: AsyncEventType.QP_ACCESS_ERR,
  request: AsyncEventType.QP_REQ_ERR,
  fatal: AsyncEventType.QP_FATAL,
} as const;

/** What a QP needs from its device and PD. */
export interface QpHost {
  readonly scheduler: Scheduler;
  readonly link: PacketLink;
  readonly stats: EngineStats;
  readonly hostMemory: PhysicalMemory;
  readonly ip: string;
  readonly maxMsgSize: number;
  readonly maxQpRdAtom: number;
  readonly maxQpInitRdAtom: number;
  readonly sqRetirement: SqRetirement;
  /** The device's outgoing payload buffers, shared by its QPs. */
  readonly payloads: PayloadPool;
  txDelayNs(): number;
  qpAsyncEvent(qp: SoftQueuePair, type: AsyncEventType): void;
  qpDestroyed(qp: SoftQueuePair): void;
}

/**
 * An RC queue pair: validates and queues WRs, walks the modify-QP state machine, and drives its
 * RcEngine. Completions go to the CQs; the Send Queue's slots follow the device's retirement model.
 */
export class SoftQueuePair implements QueuePair, CompletionReaper {
  readonly cap: QpCapabilities;
  readonly sendCq: SoftCompletionQueue;
  readonly recvCq: SoftCompletionQueue;
  readonly engine: RcEngine;
  private currentState: QpState = QpState.RESET;
  private attrs: Partial<QpAttributes> = {};
  private readonly slots: SendQueueSlots;
  private readonly sqSigAll: boolean;
  private destroyed = false;

  constructor(
    private readonly host: QpHost,
    readonly qpNum: number,
    options: CreateQpOptions & { sendCq: SoftCompletionQueue; recvCq: SoftCompletionQueue },
    memory: LocalMemory,
  ) {
    this.cap = { ...options.cap };
    this.sendCq = options.sendCq;
    this.recvCq = options.recvCq;
    this.sqSigAll = options.sqSigAll ?? false;
    this.slots = new SendQueueSlots(host.sqRetirement, this.cap.maxSendWr);
    const env: EngineEnv = {
      scheduler: host.scheduler,
      link: host.link,
      memory,
      stats: host.stats,
      payloads: host.payloads,
      hooks: {
        completeSend: (wqe) => this.completeSend(wqe),
        completeRecv: (wqe, c) => this.completeRecv(wqe, c),
        fail: (reason) => this.enterError(reason),
        responderError: (kind) => host.qpAsyncEvent(this, RESPONDER_EVENTS[kind]),
      },
    };
    this.engine = new RcEngine(qpNum, env);
  }

  get state(): QpState {
    return this.currentState;
  }

  get sendQueueUsed(): number {
    return this.slots.used;
  }

  query(): Readonly<Partial<QpAttributes>> & { state: QpState } {
    return { ...this.attrs, state: this.currentState };
  }

  modify(attrs: Partial<QpAttributes> & { state: QpState }): void {
    this.checkAlive('modify');
    checkQpTransition(this.currentState, attrs);
    if (attrs.maxRdAtomic !== undefined && attrs.maxRdAtomic > this.host.maxQpInitRdAtom) {
      throw new VerbsError(
        'EINVAL',
        `modify QP: maxRdAtomic ${attrs.maxRdAtomic} exceeds device ${this.host.maxQpInitRdAtom}`,
      );
    }
    if (attrs.maxDestRdAtomic !== undefined && attrs.maxDestRdAtomic > this.host.maxQpRdAtom) {
      throw new VerbsError(
        'EINVAL',
        `modify QP: maxDestRdAtomic ${attrs.maxDestRdAtomic} exceeds device ${this.host.maxQpRdAtom}`,
      );
    }
    if (
      attrs.av !== undefined &&
      (typeof attrs.av.destIp !== 'string' || typeof attrs.av.srcIp !== 'string')
    ) {
      throw new VerbsError('EINVAL', 'modify QP: av.destIp and av.srcIp must be dotted-quad strings');
    }
    const from = this.currentState;
    const to = attrs.state;
    this.attrs = { ...this.attrs, ...attrs };
    switch (to) {
      case QpState.RESET:
        this.engine.reset();
        this.slots.reset(this.engine.ctx.sq.tail);
        this.attrs = {};
        break;
      case QpState.RTR:
        if (from === QpState.INIT) this.engine.startResponder(this.params());
        break;
      case QpState.RTS:
        if (from === QpState.RTR) this.engine.startRequester(this.params());
        else {
          this.engine.updateParams(this.params());
          this.engine.setMode('full');
        }
        break;
      case QpState.SQD:
        this.engine.setMode('drain');
        break;
      case QpState.ERR:
        this.enterError('modify to ERR');
        return;
      default:
        if (from === QpState.RTR || from === QpState.RTS) this.engine.updateParams(this.params());
    }
    this.setState(to, 'modify');
  }

  private params(): RcParams {
    const a = this.attrs;
    const av = a.av!;
    return {
      destQpn: a.destQpNum ?? 0,
      mtu: mtuBytes(a.pathMtu ?? 1),
      rqPsn: a.rqPsn ?? 0,
      sqPsn: a.sqPsn ?? 0,
      timeout: a.timeout ?? 0,
      retryCnt: a.retryCnt ?? 0,
      rnrRetry: a.rnrRetry ?? 0,
      minRnrTimer: a.minRnrTimer ?? 0,
      maxRdAtomic: a.maxRdAtomic ?? 1,
      maxDestRdAtomic: a.maxDestRdAtomic ?? 1,
      accessFlags: a.accessFlags ?? AccessFlags.NONE,
      route: { srcIp: av.srcIp || this.host.ip, dstIp: av.destIp, srcQpn: this.qpNum },
    };
  }

  private setState(to: QpState, reason: string): void {
    const from = this.currentState;
    this.currentState = to;
    if (from !== to)
      this.host.stats.qpState?.emit({ qpn: this.qpNum, from, to, reason }, { track: `qp ${this.qpNum}` });
  }

  /** Any error: QP → ERR, then every remaining send and receive WR completes (flush) in order. */
  private enterError(reason: string): void {
    if (this.currentState !== QpState.ERR) this.setState(QpState.ERR, reason);
    this.engine.flush();
  }

  postSend(wrs: readonly SendWr[]): void {
    this.checkAlive('postSend');
    const state = this.currentState;
    let posted = 0;
    try {
      for (let i = 0; i < wrs.length; i++) {
        const wr = wrs[i]!;
        if (state === QpState.RESET || state === QpState.INIT || state === QpState.RTR) {
          throw new VerbsError('EINVAL', `postSend: QP ${this.qpNum} is not ready to send`, i);
        }
        const wqe = this.checkSendWr(wr, i);
        if (this.slots.full) {
          throw new VerbsError(
            'ENOMEM',
            `postSend: Send Queue of QP ${this.qpNum} is full (${this.slots.used}/${this.cap.maxSendWr})`,
            i,
          );
        }
        this.engine.ctx.sq.push(wqe);
        this.slots.post(wqe.index);
        posted++;
        this.host.stats.postSend?.emit(
          { qpn: this.qpNum, wrId: wr.wrId, opcode: wr.opcode, length: wqe.length, signaled: wqe.signaled },
          { track: `qp ${this.qpNum}` },
        );
      }
    } finally {
      if (posted > 0) {
        if (this.currentState === QpState.ERR) this.engine.flush();
        else this.engine.kick(this.host.txDelayNs());
      }
    }
  }

  private checkSendWr(wr: SendWr, i: number): SendWqe {
    const bad = (code: 'EINVAL' | 'EOPNOTSUPP', what: string) =>
      new VerbsError(code, `postSend: wr[${i}] (wrId ${wr.wrId}): ${what}`, i);
    const kind = sendKindOf(wr.opcode);
    if (kind === undefined) throw bad('EOPNOTSUPP', `opcode ${wr.opcode} is not supported by this device`);
    if (!Array.isArray(wr.sgList)) throw bad('EINVAL', 'sgList must be an array');
    const local = kind === 'REG_MR' || kind === 'LOCAL_INV';
    if (wr.sgList.length > (local ? 0 : this.cap.maxSendSge)) {
      throw bad(
        'EINVAL',
        `sgList has ${wr.sgList.length} entries, QP allows ${local ? 0 : this.cap.maxSendSge}`,
      );
    }
    let length = 0;
    wr.sgList.forEach((sge, j) => {
      if (
        !Number.isSafeInteger(sge.addr) ||
        sge.addr < 0 ||
        !Number.isInteger(sge.length) ||
        sge.length < 0 ||
        !Number.isInteger(sge.lkey)
      ) {
        throw bad('EINVAL', `sgList[${j}] has an invalid addr/length/lkey`);
      }
      length += sge.length;
    });
    if (length > this.host.maxMsgSize)
      throw bad('EINVAL', `message of ${length} bytes exceeds maxMsgSize ${this.host.maxMsgSize}`);
    if (
      (kind === 'RDMA_WRITE' || kind === 'RDMA_WRITE_WITH_IMM' || kind === 'RDMA_READ') &&
      wr.rdma === undefined
    ) {
      throw bad('EINVAL', 'rdma (remoteAddr, rkey) is required');
    }
    if (wr.rdma !== undefined && (!Number.isSafeInteger(wr.rdma.remoteAddr) || wr.rdma.remoteAddr < 0)) {
      throw bad('EINVAL', `rdma.remoteAddr ${wr.rdma.remoteAddr} is invalid`);
    }
    if (kind === 'REG_MR' && wr.reg === undefined) throw bad('EINVAL', 'reg (mr, key, access) is required');
    if ((kind === 'LOCAL_INV' || kind === 'SEND_WITH_INV') && !Number.isInteger(wr.invalidateRkey)) {
      throw bad('EINVAL', 'invalidateRkey is required');
    }
    if (
      (kind === 'SEND_WITH_IMM' || kind === 'RDMA_WRITE_WITH_IMM') &&
      (!Number.isInteger(wr.immData) || wr.immData! < 0 || wr.immData! > 0xffffffff)
    ) {
      throw bad('EINVAL', 'immData must be a 32-bit unsigned integer');
    }
    let inline: Uint8Array | undefined;
    if ((wr.flags & SendFlags.INLINE) !== 0) {
      if (kind === 'RDMA_READ' || local) throw bad('EINVAL', 'INLINE is only valid for SEND and RDMA WRITE');
      if (length > this.cap.maxInlineData)
        throw bad('EINVAL', `inline length ${length} exceeds maxInlineData ${this.cap.maxInlineData}`);
      inline = new Uint8Array(length);
      let pos = 0;
      for (const [j, sge] of wr.sgList.entries()) {
        // INLINE: the CPU copies now from host memory (addr is a host address; lkey is not checked).
        try {
          this.host.hostMemory.read(sge.addr, sge.length, inline.subarray(pos, pos + sge.length));
        } catch (err) {
          if (err instanceof MemoryError)
            throw bad('EINVAL', `sgList[${j}] inline source is outside host memory`);
          throw err;
        }
        pos += sge.length;
      }
    }
    const signaled = this.sqSigAll || (wr.flags & SendFlags.SIGNALED) !== 0;
    return new SendWqe(this.engine.ctx.sq.tail, wr, kind, length, signaled, inline);
  }

  postRecv(wrs: readonly RecvWr[]): void {
    this.checkAlive('postRecv');
    const rq = this.engine.ctx.rq;
    let posted = 0;
    try {
      for (let i = 0; i < wrs.length; i++) {
        const wr = wrs[i]!;
        if (this.currentState === QpState.RESET)
          throw new VerbsError('EINVAL', `postRecv: QP ${this.qpNum} is in RESET`, i);
        if (!Array.isArray(wr.sgList) || wr.sgList.length > this.cap.maxRecvSge) {
          throw new VerbsError(
            'EINVAL',
            `postRecv: wr[${i}] (wrId ${wr.wrId}) sgList exceeds maxRecvSge ${this.cap.maxRecvSge}`,
            i,
          );
        }
        let capacity = 0;
        for (const [j, sge] of wr.sgList.entries()) {
          if (
            !Number.isSafeInteger(sge.addr) ||
            sge.addr < 0 ||
            !Number.isInteger(sge.length) ||
            sge.length < 0
          ) {
            throw new VerbsError('EINVAL', `postRecv: wr[${i}] sgList[${j}] has an invalid addr/length`, i);
          }
          capacity += sge.length;
        }
        if (rq.size >= this.cap.maxRecvWr) {
          throw new VerbsError(
            'ENOMEM',
            `postRecv: Receive Queue of QP ${this.qpNum} is full (${this.cap.maxRecvWr})`,
            i,
          );
        }
        rq.push(new RecvWqe(rq.tail, wr, capacity));
        posted++;
      }
    } finally {
      if (posted > 0 && this.currentState === QpState.ERR) this.engine.flush();
    }
  }

  private completeSend(wqe: SendWqe): void {
    this.slots.completed(wqe.index);
    if (!wqe.signaled && wqe.status === WcStatus.SUCCESS) return;
    const wc: WorkCompletion = {
      wrId: wqe.wr.wrId,
      status: wqe.status,
      opcode: WC_OPCODE_OF_KIND[wqe.kind],
      byteLen: wqe.length,
      qpNum: this.qpNum,
      srcQp: 0,
      wcFlags: 0,
      vendorErr: 0,
    };
    if (wqe.wr.cqe !== undefined) wc.cqe = wqe.wr.cqe;
    this.emitWc(wc);
    this.sendCq.push(wc, this, wqe.index, false);
  }

  private completeRecv(wqe: RecvWqe, c: RecvCompletion): void {
    const wc: WorkCompletion = {
      wrId: wqe.wr.wrId,
      status: c.status,
      opcode: c.opcode,
      byteLen: c.byteLen,
      qpNum: this.qpNum,
      srcQp: this.attrs.destQpNum ?? 0,
      wcFlags: c.wcFlags,
      vendorErr: 0,
    };
    if (c.immData !== undefined) wc.immData = c.immData;
    if (c.invalidatedRkey !== undefined) wc.invalidatedRkey = c.invalidatedRkey;
    if (wqe.wr.cqe !== undefined) wc.cqe = wqe.wr.cqe;
    this.emitWc(wc);
    this.recvCq.push(wc, undefined, 0, c.solicited);
  }

  private emitWc(wc: WorkCompletion): void {
    const stats = this.host.stats;
    stats.completions.inc();
    stats.wc?.emit(
      { qpn: this.qpNum, wrId: wc.wrId, status: wc.status, opcode: wc.opcode, byteLen: wc.byteLen },
      { track: `qp ${this.qpNum}` },
    );
  }

  /** CompletionReaper: a send completion of this QP left its CQ. */
  reaped(sqIndex: number): void {
    this.slots.reaped(sqIndex);
  }

  /** A packet addressed to this QP arrived. */
  receive(packet: RocePacket): void {
    if (!this.destroyed) this.engine.receive(packet);
  }

  destroy(): void {
    this.checkAlive('destroy');
    this.engine.reset();
    this.destroyed = true;
    this.sendCq.users--;
    this.recvCq.users--;
    this.host.qpDestroyed(this);
  }

  private checkAlive(what: string): void {
    if (this.destroyed) throw new VerbsError('EINVAL', `${what}: QP ${this.qpNum} was destroyed`);
  }
}
