import type { RocePacket } from '../wire/packet.js';
import { Completer } from './completer.js';
import { rcPacketInfo as rcPacketInfoImport } from './packet-checks.js';
import { type EngineEnv, type EngineMode, RcContext, type RcParams } from './rc-context.js';
import { localAckTimeoutNs } from './rc-limits.js';
import { Requester } from './requester.js';
import { Responder } from './responder.js';

// Imported values used per packet, bound to module-local names once: under a module runner (vitest,
// where tests and fault sweeps run) every use of an imported binding is a getter call, which costs
// more than the operation and keeps the hot path from being inlined.
const rcPacketInfo = rcPacketInfoImport;

/**
 * One RC QP's protocol engine: the requester, completer and responder over shared state, generic
 * over the link, scheduler and memory in `env`. The verbs QP drives it (modify, post, flush).
 */
export class RcEngine {
  readonly ctx: RcContext;
  private readonly requester: Requester;
  private readonly completer: Completer;
  private readonly responder: Responder;

  constructor(qpn: number, env: EngineEnv) {
    this.ctx = new RcContext(qpn, env);
    this.completer = new Completer(this.ctx);
    this.requester = new Requester(this.ctx, this.completer);
    this.completer.attach(this.requester);
    this.responder = new Responder(this.ctx);
  }

  /** →RTR: the responder starts expecting rqPsn. */
  startResponder(params: RcParams): void {
    const ctx = this.ctx;
    ctx.params = params;
    ctx.epsn = params.rqPsn;
    ctx.msn = 0;
    ctx.sentPsnNak = false;
    ctx.mode = 'responder';
  }

  /** →RTS: the requester starts at sqPsn. */
  startRequester(params: RcParams): void {
    const ctx = this.ctx;
    ctx.params = params;
    ctx.ackTimeoutNs = localAckTimeoutNs(params.timeout);
    ctx.psn = params.sqPsn;
    ctx.compPsn = params.sqPsn;
    ctx.sentEnd = params.sqPsn;
    ctx.retryLeft = params.retryCnt;
    ctx.rnrLeft = params.rnrRetry;
    ctx.mode = 'full';
    this.requester.schedule();
  }

  /** Apply changed parameters (modify in RTS/SQD) without restarting sequences. */
  updateParams(params: RcParams): void {
    this.ctx.params = params;
    this.ctx.ackTimeoutNs = localAckTimeoutNs(params.timeout);
  }

  setMode(mode: EngineMode): void {
    this.ctx.mode = mode;
    if (mode === 'full') this.requester.schedule();
  }

  /** New send WQEs were queued: ring the doorbell. */
  kick(delayNs = 0): void {
    if (this.ctx.mode === 'full' || this.ctx.mode === 'drain') this.requester.schedule(delayNs);
  }

  /** A packet for this QP arrived. Returns false when it was malformed and dropped. */
  receive(packet: RocePacket): boolean {
    const info = rcPacketInfo(packet);
    if (info === undefined) {
      this.ctx.env.stats.droppedBadPackets.inc();
      return false;
    }
    if (info.direction === 'request') this.responder.onRequest(packet, info);
    else this.completer.onResponse(packet, info);
    return true;
  }

  /** Whether any send WQE has not completed yet. */
  get sendOutstanding(): boolean {
    return this.ctx.compIndex < this.ctx.sq.tail;
  }

  /** QP → ERR: stop, then complete every remaining send and receive WQE in order. */
  flush(): void {
    this.ctx.mode = 'off';
    this.requester.stopTimer();
    this.ctx.rnrWaiting = false;
    this.completer.flush();
    this.responder.flush();
  }

  /** QP → RESET: forget every WQE without completions and all sequence state. */
  reset(): void {
    const ctx = this.ctx;
    ctx.mode = 'off';
    this.requester.stopTimer();
    ctx.sq.clear();
    ctx.rq.clear();
    ctx.compIndex = ctx.sq.tail;
    ctx.reqIndex = ctx.sq.tail;
    ctx.readsInFlight = 0;
    ctx.rnrWaiting = false;
    ctx.inMessage = undefined;
    ctx.curRecv = undefined;
    ctx.readResources.length = 0;
    ctx.nextReadResource = 0;
    ctx.params = undefined;
  }
}
