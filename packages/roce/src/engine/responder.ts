import {
  AccessFlags as AccessFlagsImport,
  WcFlags as WcFlagsImport,
  WcOpcode as WcOpcodeImport,
  WcStatus as WcStatusImport,
} from '@rdmalab/verbs';
import {
  type AethNakName,
  AethSyndrome as AethSyndromeImport,
  nakSyndrome,
  rnrNakSyndrome,
} from '../wire/aeth.js';
import {
  Opcode as OpcodeImport,
  type OpcodeInfo,
  SEGMENT_OPCODES as SEGMENT_OPCODESImport,
  segmentPosition as segmentPositionImport,
} from '../wire/opcodes.js';
import { makeBth as makeBthImport, type RocePacket } from '../wire/packet.js';
import { psnAdd as psnAddImport, psnDiff as psnDiffImport } from './psn.js';
import type { RcContext, ReadResource } from './rc-context.js';
import type { RecvWqe } from './recv-wqe.js';

// Imported values used per packet, bound to module-local names once: under a module runner (vitest,
// where tests and fault sweeps run) every use of an imported binding is a getter call, which costs
// more than the operation and keeps the hot path from being inlined.
const AccessFlags = AccessFlagsImport;
const WcFlags = WcFlagsImport;
const WcOpcode = WcOpcodeImport;
type WcOpcode = WcOpcodeImport;
const WcStatus = WcStatusImport;
type WcStatus = WcStatusImport;
const AethSyndrome = AethSyndromeImport;
const Opcode = OpcodeImport;
const SEGMENT_OPCODES = SEGMENT_OPCODESImport;
const segmentPosition = segmentPositionImport;
const makeBth = makeBthImport;
const psnAdd = psnAddImport;
const psnDiff = psnDiffImport;

const EMPTY = new Uint8Array(0);

/**
 * The responder (rxe_resp.c): checks PSN order (NAK sequence error once, then silence until the
 * expected PSN arrives), re-ACKs duplicates and replays duplicate READs, places SEND payload into
 * posted receives (RNR NAK when there is none), performs RDMA WRITE / READ after rkey, bounds and
 * access checks, invalidates on SEND_WITH_INV, and ACKs every request that asked for one.
 */
export class Responder {
  constructor(private readonly ctx: RcContext) {}

  onRequest(packet: RocePacket, info: OpcodeInfo): void {
    const ctx = this.ctx;
    if (ctx.mode === 'off' || ctx.params === undefined) {
      ctx.env.stats.droppedBadPackets.inc();
      return;
    }
    const p = packet.bth.psn;
    const d = psnDiff(p, ctx.epsn);
    if (d > 0) {
      // Out of order: one NAK carrying the expected PSN, then drop until it arrives (rxe check_psn).
      if (!ctx.sentPsnNak) {
        ctx.sentPsnNak = true;
        this.sendNak('PSN_SEQUENCE_ERROR', ctx.epsn);
      }
      return;
    }
    if (d < 0) {
      this.duplicate(info, p);
      return;
    }
    ctx.sentPsnNak = false;

    // Opcode sequence (IBA 9.8.3.3.1): a message in progress continues, otherwise one begins.
    const continues = info.position === 'MIDDLE' || info.position === 'LAST';
    if (continues ? ctx.inMessage !== info.operation : ctx.inMessage !== undefined) {
      this.classC('INVALID_REQUEST', WcStatus.REM_INV_REQ_ERR, p, `opcode ${info.name} out of sequence`);
      return;
    }
    const mtu = ctx.params.mtu;
    const len = packet.payload.length;
    const lengthOk =
      info.position === 'FIRST' || info.position === 'MIDDLE'
        ? len === mtu
        : info.position === 'LAST'
          ? len >= 1 && len <= mtu
          : len <= mtu;
    if (info.hasPayload && !lengthOk) {
      this.classC('INVALID_REQUEST', WcStatus.REM_INV_REQ_ERR, p, `payload of ${len} bytes for ${info.name}`);
      return;
    }

    switch (info.operation) {
      case 'SEND':
        if (!this.onSend(packet, info, p)) return;
        break;
      case 'RDMA_WRITE':
        if (!this.onWrite(packet, info, p)) return;
        break;
      case 'RDMA_READ_REQUEST':
        this.onReadRequest(packet, p);
        return;
      default:
        this.classC('INVALID_REQUEST', WcStatus.REM_INV_REQ_ERR, p, `unsupported request ${info.name}`);
        return;
    }
    ctx.epsn = psnAdd(p, 1);
    if (info.endsMessage) ctx.msn = (ctx.msn + 1) & 0xffffff;
    if (packet.bth.ackReq) this.sendAck(p);
  }

  private onSend(packet: RocePacket, info: OpcodeInfo, p: number): boolean {
    const ctx = this.ctx;
    if (info.position === 'FIRST' || info.position === 'ONLY') {
      const recv = ctx.rq.at(ctx.rq.head);
      if (recv === undefined) {
        this.sendRnrNak(p);
        return false;
      }
      ctx.curRecv = recv;
      ctx.recvOffset = 0;
    }
    const recv = ctx.curRecv!;
    const payload = packet.payload;
    if (ctx.recvOffset + payload.length > recv.capacity) {
      this.finishRecv(recv, WcStatus.LOC_LEN_ERR, packet, WcOpcode.RECV);
      this.classC('INVALID_REQUEST', undefined, p, `message exceeds receive of ${recv.capacity} bytes`);
      return false;
    }
    if (payload.length > 0) {
      const status = ctx.env.memory.scatter(recv.wr.sgList, ctx.recvOffset, payload);
      if (status !== WcStatus.SUCCESS) {
        this.finishRecv(recv, status, packet, WcOpcode.RECV);
        this.classC('REMOTE_OPERATIONAL_ERROR', undefined, p, `receive scatter faulted`);
        return false;
      }
    }
    ctx.recvOffset += payload.length;
    if (info.position === 'FIRST' || info.position === 'MIDDLE') {
      ctx.inMessage = 'SEND';
      return true;
    }
    ctx.inMessage = undefined;
    if (info.hasInvalidate) {
      const rkey = packet.ieth ?? 0;
      if (!ctx.env.memory.invalidateRemote(rkey)) {
        this.finishRecv(recv, WcStatus.REM_INV_REQ_ERR, packet, WcOpcode.RECV);
        this.classC('INVALID_REQUEST', undefined, p, `SEND_WITH_INV of rkey 0x${rkey.toString(16)} failed`);
        return false;
      }
    }
    this.finishRecv(recv, WcStatus.SUCCESS, packet, WcOpcode.RECV);
    return true;
  }

  private finishRecv(recv: RecvWqe, status: WcStatus, packet: RocePacket, opcode: WcOpcode): void {
    const ctx = this.ctx;
    ctx.rq.dropBefore(recv.index + 1);
    ctx.curRecv = undefined;
    const ok = status === WcStatus.SUCCESS;
    let wcFlags = 0;
    if (ok && packet.immDt !== undefined) wcFlags |= WcFlags.WITH_IMM;
    if (ok && packet.ieth !== undefined) wcFlags |= WcFlags.WITH_INVALIDATE;
    ctx.env.hooks.completeRecv(recv, {
      status,
      opcode,
      byteLen: ok ? ctx.recvOffset : 0,
      wcFlags,
      ...(ok && packet.immDt !== undefined ? { immData: packet.immDt } : {}),
      ...(ok && packet.ieth !== undefined ? { invalidatedRkey: packet.ieth } : {}),
      solicited: packet.bth.se,
    });
  }

  private onWrite(packet: RocePacket, info: OpcodeInfo, p: number): boolean {
    const ctx = this.ctx;
    const memory = ctx.env.memory;
    if (info.position === 'FIRST' || info.position === 'ONLY') {
      if ((ctx.params!.accessFlags & AccessFlags.REMOTE_WRITE) === 0) {
        this.classC('INVALID_REQUEST', undefined, p, 'RDMA WRITE to a QP without REMOTE_WRITE access');
        return false;
      }
      const reth = packet.reth!;
      const va = Number(reth.va);
      if (!memory.checkRemote(reth.rkey, va, reth.dmaLength, AccessFlags.REMOTE_WRITE)) {
        this.classC('REMOTE_ACCESS_ERROR', undefined, p, `rkey 0x${reth.rkey.toString(16)} refused a WRITE`);
        return false;
      }
      ctx.writeRkey = reth.rkey;
      ctx.writeVa = va;
      ctx.writeLength = reth.dmaLength;
      ctx.writeOffset = 0;
    }
    const payload = packet.payload;
    if (ctx.writeOffset + payload.length > ctx.writeLength) {
      this.classC('INVALID_REQUEST', undefined, p, 'RDMA WRITE payload exceeds its DMA length');
      return false;
    }
    const last = info.position === 'LAST' || info.position === 'ONLY';
    if (last && ctx.writeOffset + payload.length !== ctx.writeLength) {
      this.classC('INVALID_REQUEST', undefined, p, 'RDMA WRITE shorter than its DMA length');
      return false;
    }
    // WRITE_WITH_IMM consumes a receive: without one, RNR before touching memory (rxe check_resource).
    if (last && info.hasImmediate && ctx.rq.at(ctx.rq.head) === undefined) {
      this.sendRnrNak(p);
      return false;
    }
    if (payload.length > 0 && !memory.writeRemote(ctx.writeRkey, ctx.writeVa + ctx.writeOffset, payload)) {
      this.classC(
        'REMOTE_ACCESS_ERROR',
        undefined,
        p,
        `WRITE through rkey 0x${ctx.writeRkey.toString(16)} faulted`,
      );
      return false;
    }
    ctx.writeOffset += payload.length;
    if (!last) {
      ctx.inMessage = 'RDMA_WRITE';
      return true;
    }
    ctx.inMessage = undefined;
    if (info.hasImmediate) {
      const recv = ctx.rq.at(ctx.rq.head)!;
      ctx.recvOffset = ctx.writeLength;
      this.finishRecv(recv, WcStatus.SUCCESS, packet, WcOpcode.RECV_RDMA_WITH_IMM);
    }
    ctx.writeLength = 0;
    return true;
  }

  private onReadRequest(packet: RocePacket, p: number): void {
    const ctx = this.ctx;
    const params = ctx.params!;
    if ((params.accessFlags & AccessFlags.REMOTE_READ) === 0) {
      this.classC('INVALID_REQUEST', undefined, p, 'RDMA READ from a QP without REMOTE_READ access');
      return;
    }
    const reth = packet.reth!;
    const va = Number(reth.va);
    if (!ctx.env.memory.checkRemote(reth.rkey, va, reth.dmaLength, AccessFlags.REMOTE_READ)) {
      this.classC('REMOTE_ACCESS_ERROR', undefined, p, `rkey 0x${reth.rkey.toString(16)} refused a READ`);
      return;
    }
    const res: ReadResource = {
      firstPsn: p,
      npkts: Math.max(1, Math.ceil(reth.dmaLength / params.mtu)),
      rkey: reth.rkey,
      va,
      length: reth.dmaLength,
    };
    // Responder resources: a ring of max_dest_rd_atomic entries, the oldest replaced (rxe resp_res).
    const slots = Math.max(1, params.maxDestRdAtomic);
    ctx.readResources[ctx.nextReadResource % slots] = res;
    ctx.nextReadResource = (ctx.nextReadResource + 1) % slots;
    ctx.epsn = psnAdd(p, res.npkts);
    ctx.msn = (ctx.msn + 1) & 0xffffff;
    this.sendReadResponses(res, 0);
  }

  /** Send responses k.. of a READ, reading memory now (a replay reads what is there at replay time). */
  private sendReadResponses(res: ReadResource, from: number): void {
    const ctx = this.ctx;
    const params = ctx.params!;
    const mtu = params.mtu;
    for (let k = from; k < res.npkts; k++) {
      const offset = k * mtu;
      const len = Math.min(mtu, res.length - offset);
      const payload = len > 0 ? ctx.payloads.take(len) : EMPTY;
      if (len > 0 && !ctx.env.memory.readRemote(res.rkey, res.va + offset, payload, undefined)) {
        this.classC('REMOTE_ACCESS_ERROR', undefined, psnAdd(res.firstPsn, k), 'READ source faulted');
        return;
      }
      const position = segmentPosition(k, res.npkts);
      const packet: RocePacket = {
        bth: makeBth({
          opcode: SEGMENT_OPCODES.RDMA_READ_RESPONSE[position],
          destQp: params.destQpn,
          psn: psnAdd(res.firstPsn, k),
        }),
        payload,
      };
      if (position !== 'MIDDLE') packet.aeth = { syndrome: AethSyndrome.ACK_UNLIMITED, msn: ctx.msn };
      this.transmit(packet);
    }
  }

  private duplicate(info: OpcodeInfo, p: number): void {
    const ctx = this.ctx;
    ctx.env.stats.duplicateRequests.inc();
    if (info.operation === 'RDMA_READ_REQUEST') {
      for (const res of ctx.readResources) {
        if (res === undefined) continue;
        const k = psnDiff(p, res.firstPsn);
        if (k >= 0 && k < res.npkts) {
          if (!ctx.env.memory.checkRemote(res.rkey, res.va, res.length, AccessFlags.REMOTE_READ)) {
            this.classC('REMOTE_ACCESS_ERROR', undefined, p, 'replayed READ no longer permitted');
            return;
          }
          this.sendReadResponses(res, k);
          return;
        }
      }
      ctx.env.stats.droppedBadPackets.inc(); // its resource was already recycled
      return;
    }
    // SEND / WRITE already executed: acknowledge again, never execute twice (C9-105).
    this.sendAck(psnAdd(ctx.epsn, -1));
  }

  private sendAck(psn: number): void {
    const ctx = this.ctx;
    ctx.env.stats.acksSent.inc();
    ctx.env.stats.ack?.emit({ qpn: ctx.qpn, psn, msn: ctx.msn, direction: 'tx' }, { track: ctx.track });
    this.transmitAeth(AethSyndrome.ACK_UNLIMITED, psn);
  }

  private sendRnrNak(psn: number): void {
    const ctx = this.ctx;
    const timer = ctx.params!.minRnrTimer;
    ctx.env.stats.rnrNaksSent.inc();
    ctx.env.stats.rnrNak?.emit({ qpn: ctx.qpn, psn, timer, direction: 'tx' }, { track: ctx.track });
    this.transmitAeth(rnrNakSyndrome(timer), psn);
  }

  private sendNak(code: AethNakName, psn: number): void {
    const ctx = this.ctx;
    ctx.env.stats.naksSent.inc();
    ctx.env.stats.nak?.emit({ qpn: ctx.qpn, psn, code, direction: 'tx' }, { track: ctx.track });
    this.transmitAeth(nakSyndrome(code), psn);
  }

  /**
   * Class C error (IBA 10.8.3.3): NAK the request, then the responder's QP goes to ERR too. A receive
   * being filled completes with `recvStatus` if given.
   */
  private classC(code: AethNakName, recvStatus: WcStatus | undefined, psn: number, reason: string): void {
    const ctx = this.ctx;
    this.sendNak(code, psn);
    if (recvStatus !== undefined && ctx.curRecv !== undefined) {
      const recv = ctx.curRecv;
      ctx.curRecv = undefined;
      ctx.rq.dropBefore(recv.index + 1);
      ctx.env.hooks.completeRecv(recv, {
        status: recvStatus,
        opcode: WcOpcode.RECV,
        byteLen: 0,
        wcFlags: 0,
        solicited: false,
      });
    }
    ctx.env.hooks.responderError(
      code === 'REMOTE_ACCESS_ERROR' ? 'access' : code === 'INVALID_REQUEST' ? 'request' : 'fatal',
    );
    ctx.env.hooks.fail(`responder: ${reason}`);
  }

  private transmitAeth(syndrome: number, psn: number): void {
    const ctx = this.ctx;
    this.transmit({
      bth: makeBth({ opcode: Opcode.RC_ACKNOWLEDGE, destQp: ctx.params!.destQpn, psn }),
      aeth: { syndrome, msn: ctx.msn },
      payload: EMPTY,
    });
  }

  private transmit(packet: RocePacket): void {
    const ctx = this.ctx;
    ctx.env.stats.txPackets.inc();
    ctx.env.link.transmit(packet, ctx.params!.route);
  }

  /** QP → ERR: every posted receive completes with WR_FLUSH_ERR, in order. */
  flush(): void {
    const ctx = this.ctx;
    ctx.curRecv = undefined;
    ctx.inMessage = undefined;
    for (let i = ctx.rq.head; i < ctx.rq.tail; i++) {
      const recv = ctx.rq.at(i);
      if (recv === undefined) continue;
      ctx.rq.dropBefore(i + 1);
      ctx.env.hooks.completeRecv(recv, {
        status: WcStatus.WR_FLUSH_ERR,
        opcode: WcOpcode.RECV,
        byteLen: 0,
        wcFlags: 0,
        solicited: false,
      });
    }
  }
}
