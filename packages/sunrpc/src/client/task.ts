import type { Scheduler, TimerHandle } from '@rdmalab/kernel';
import type { RpcAuth } from '../rpc/auth.js';
import { AcceptStat, ReplyStat } from '../rpc/constants.js';
import { RpcAcceptedError, RpcDeniedError, RpcError } from '../rpc/errors.js';
import { decodeReplyHeader, encodeCallHeader } from '../rpc/message.js';
import type { RpcOpStats } from '../stats/rpc-stats.js';
import type { ClientTransport, ReplyPlacement, RpcSlot } from '../transport/contract.js';
import { TransportError } from '../transport/errors.js';
import { XdrDecoder } from '../xdr/decoder.js';
import { XdrEncoder } from '../xdr/encoder.js';
import { XdrError } from '../xdr/errors.js';
import type { XdrBuf, XdrPageRange } from '../xdr/xdr-buf.js';
import { XDRBUF_READ } from '../xdr/xdr-buf.js';
import { RetransmitTimeout, type RpcTimeoutOptions } from './timeout.js';

/**
 * Bytes of an accepted reply's header with an empty verifier (xid, msg_type, reply_stat, verifier
 * flavor and length, accept_stat; RFC 5531 §9), as AUTH_NONE and AUTH_SYS servers send it.
 */
export const RPC_REPLY_HEADER_BYTES = 24;

/**
 * The states of an RPC task, in order (the kernel's call_reserve → call_encode → call_transmit →
 * call_status/call_decode → rpc_release_task). A task may go from `wait` back to `transmit`
 * (retransmission after a minor timeout or a reconnect).
 */
export type RpcTaskState = 'reserve' | 'encode' | 'transmit' | 'wait' | 'decode' | 'release' | 'done';

/** What a caller asks of one call. */
export interface RpcCallOptions<T> {
  readonly proc: number;
  /** For stats and messages; defaults to the client's name for `proc`. */
  readonly procName?: string;
  /** Program version for this call; defaults to the client's. */
  readonly vers?: number;
  /** Writes the arguments after the call header (may hand pages over with writeOpaquePages). */
  readonly encodeArgs?: (enc: XdrEncoder) => void;
  /** Reads the results after a SUCCESS reply header. XdrErrors become EPROTO. */
  readonly decodeResult: (dec: XdrDecoder) => T;
  /** Pages the bulk reply data should land in (READ); passed to the transport as XDRBUF_READ. */
  readonly replyPages?: XdrPageRange;
  /**
   * Largest reply expected (RPC reply header + results, replyPages data included), bytes: RDMA
   * offers a reply chunk only when it exceeds the transport's inline threshold. No default: the
   * transport then expects the reply outside `replyPages` to fit inline (a larger one fails with
   * ERR_CHUNK over RDMA); TCP ignores it.
   */
  readonly replyMaxBytes?: number;
  /**
   * With `replyPages`: bytes of the results before the page data, including the data item's
   * length word, at most (READ3resok: status, post_op_attr, count, eof, length = 104) — the
   * hdrsize the kernel's rpc_prepare_reply_pages takes. The client adds the RPC reply header and
   * hands the transport `ReplyPlacement.headLength`. Default: `replyMaxBytes` − the pages' length
   * when `replyMaxBytes` is given.
   */
  readonly replyHeadBytes?: number;
  readonly signal?: AbortSignal;
  /** Overrides of the client's timeout for this call. */
  readonly timeout?: Partial<RpcTimeoutOptions>;
}

/** What a task needs from the client that runs it. @internal */
export interface TaskHost {
  readonly transport: ClientTransport;
  readonly scheduler: Scheduler;
  readonly auth: RpcAuth;
  readonly program: number;
  readonly version: number;
  /** A slot and a congestion unit, or null (the task joins the backlog and sleeps). */
  tryReserve(task: RpcTask<unknown>): RpcSlot | null;
  joinBacklog(task: RpcTask<unknown>): void;
  leaveBacklog(task: RpcTask<unknown>): void;
  nextXid(): number;
  /** Make the task's xid matchable by replies. */
  track(task: RpcTask<unknown>): void;
  untrack(task: RpcTask<unknown>): void;
  /** Start connecting unless already connected or connecting. */
  requestConnect(): void;
  /** The error of the last failed connection attempt, or null when the last attempt succeeded. */
  lastConnectError(): TransportError | null;
  releaseSlot(slot: RpcSlot): void;
  opStats(vers: number, proc: number, name: string): { -readonly [K in keyof RpcOpStats]: RpcOpStats[K] };
  procName(vers: number, proc: number): string;
}

interface MutableRequest {
  xid: number;
  slot: RpcSlot;
  prog: number;
  vers: number;
  proc: number;
  sndBuf: XdrBuf;
  reply: ReplyPlacement;
  transmissions: number;
}

/** One RPC in flight: runs the state machine and reacts to replies, timers and transport events. */
export class RpcTask<T> {
  private stateValue: RpcTaskState = 'reserve';
  private slot: RpcSlot | null = null;
  private request: MutableRequest | null = null;
  private reply: XdrBuf | null = null;
  private failure: Error | null = null;
  private retransmitDue = false;
  private wakeFn: (() => void) | null = null;
  private timer: TimerHandle | null = null;
  private readonly timeout: RetransmitTimeout;
  private readonly startNs: number;
  private firstTransmitNs = -1;
  private lastTransmitNs = -1;
  private replyNs = -1;
  /** The transport's outstanding send: buffers live until it settles. */
  private sending: Promise<void> | null = null;
  private readonly vers: number;
  private readonly name: string;
  private readonly onAbort = () => this.fail(new RpcError('ECANCELED', `${this.describe()} was cancelled`));

  constructor(
    private readonly host: TaskHost,
    private readonly options: RpcCallOptions<T>,
    timeout: RpcTimeoutOptions,
  ) {
    this.timeout = new RetransmitTimeout(timeout);
    this.startNs = host.scheduler.now();
    this.vers = options.vers ?? host.version;
    this.name = options.procName ?? host.procName(this.vers, options.proc);
  }

  get state(): RpcTaskState {
    return this.stateValue;
  }

  /** The xid (0 until encoded). Kept across retransmissions so a server can spot duplicates. */
  get xid(): number {
    return this.request?.xid ?? 0;
  }

  /** Run to completion: resolves with the decoded results once the slot is released. */
  async run(): Promise<T> {
    const signal = this.options.signal;
    if (signal?.aborted)
      throw new RpcError('ECANCELED', `${this.describe()} was cancelled before it started`);
    signal?.addEventListener('abort', this.onAbort, { once: true });
    let ok = false;
    try {
      await this.reserve();
      this.encode();
      for (;;) {
        await this.transmit();
        if (await this.awaitReply()) break;
      }
      this.stateValue = 'decode';
      const result = this.decode();
      ok = true;
      return result;
    } finally {
      signal?.removeEventListener('abort', this.onAbort);
      await this.release(ok);
    }
  }

  /** A reply with this task's xid arrived. Duplicates (from retransmissions) are ignored. */
  deliverReply(reply: XdrBuf): void {
    if (this.reply !== null || this.stateValue === 'release' || this.stateValue === 'done') return;
    this.reply = reply;
    this.replyNs = this.host.scheduler.now();
    this.wake();
  }

  /** The transport's peer answered with a transport-level error: the call fails at once. */
  deliverReplyError(error: RpcError): void {
    if (this.reply !== null) return;
    this.fail(error);
  }

  /** The connection dropped: a transmitted request without a reply must go out again. */
  connectionLost(): void {
    if (this.request !== null && this.reply === null) this.retransmitDue = true;
    this.wake();
  }

  /** Something the task may be sleeping on changed (connected, write space, a slot freed). */
  wake(): void {
    const fn = this.wakeFn;
    this.wakeFn = null;
    fn?.();
  }

  /** End the task with an error at its next step (abort, shutdown, major timeout). */
  fail(error: Error): void {
    if (this.failure === null && this.stateValue !== 'release' && this.stateValue !== 'done')
      this.failure = error;
    this.wake();
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeFn = resolve;
    });
  }

  private checkFailure(): void {
    if (this.failure !== null) throw this.failure;
  }

  private async reserve(): Promise<void> {
    this.stateValue = 'reserve';
    for (;;) {
      this.checkFailure();
      const slot = this.host.tryReserve(this);
      if (slot !== null) {
        this.slot = slot;
        this.host.leaveBacklog(this);
        // As the kernel's xprt_init_majortimeo: a request set up on a connected transport times
        // from now; on one still connecting, from the task's start (the wait so far counts).
        if (this.host.transport.connected && this.timer !== null) {
          this.timer.cancel();
          this.timer = null;
          this.timeout.restart();
        }
        return;
      }
      this.host.joinBacklog(this);
      // The call's timeout runs while it waits for a slot or a first connection, so a soft call
      // to a peer that never answers ends instead of queueing forever.
      if (this.timer === null) this.armTimer();
      await this.sleep();
    }
  }

  private encode(): void {
    this.stateValue = 'encode';
    const host = this.host;
    const slot = this.slot!;
    const xid = host.nextXid();
    const buffer = host.transport.allocSendBuffer(slot, 1024);
    const enc = new XdrEncoder(buffer === undefined ? { initialSize: 512 } : { buffer });
    encodeCallHeader(enc, {
      xid,
      prog: host.program,
      vers: this.vers,
      proc: this.options.proc,
      cred: host.auth.credential(),
      verf: host.auth.verifier(),
    });
    this.options.encodeArgs?.(enc);
    const pages = this.options.replyPages;
    const maxLength = this.options.replyMaxBytes;
    const headBytes = this.options.replyHeadBytes;
    const headLength =
      pages === undefined
        ? undefined
        : headBytes !== undefined
          ? RPC_REPLY_HEADER_BYTES + headBytes
          : maxLength !== undefined
            ? Math.max(0, maxLength - pages.length)
            : undefined;
    this.request = {
      xid,
      slot,
      prog: host.program,
      vers: this.vers,
      proc: this.options.proc,
      sndBuf: enc.finish(),
      reply: {
        pages,
        flags: pages ? XDRBUF_READ : 0,
        maxLength,
        headLength,
      },
      transmissions: 0,
    };
    host.track(this);
  }

  private async transmit(): Promise<void> {
    this.stateValue = 'transmit';
    const transport = this.host.transport;
    const request = this.request!;
    if (this.timer === null) this.armTimer();
    for (;;) {
      if (this.reply !== null) return;
      this.checkFailure();
      if (!transport.connected) {
        this.host.requestConnect();
        await this.sleep();
        continue;
      }
      this.retransmitDue = false;
      const send = transport.sendRequest(request);
      this.sending = send;
      try {
        await send;
      } catch (err) {
        if (err instanceof TransportError && err.code === 'EAGAIN') {
          // No write space: the transport calls onWriteSpace, which wakes every task.
          await this.sleep();
          continue;
        }
        if (err instanceof TransportError && (err.code === 'ENOTCONN' || err.code === 'ECONNRESET')) continue;
        throw err;
      } finally {
        this.sending = null;
      }
      const now = this.host.scheduler.now();
      const op = this.host.opStats(this.vers, request.proc, this.name);
      op.transmissions++;
      op.bytesSent += request.sndBuf.length;
      if (request.transmissions > 0) op.retransmits++;
      else this.firstTransmitNs = now;
      request.transmissions++;
      this.lastTransmitNs = now;
      this.armTimer();
      return;
    }
  }

  /** True once a reply is here; false when the request must be sent again. */
  private async awaitReply(): Promise<boolean> {
    this.stateValue = 'wait';
    for (;;) {
      if (this.reply !== null) return true;
      this.checkFailure();
      if (this.retransmitDue) return false;
      await this.sleep();
    }
  }

  private armTimer(): void {
    this.timer?.cancel();
    this.timer = this.host.scheduler.setTimer(
      this.timeout.timeoutNs,
      () => this.onTimer(),
      this.request === null ? `rpc ${this.name} slot wait` : `rpc xid ${this.xid}`,
    );
  }

  private onTimer(): void {
    this.timer = null;
    if (this.reply !== null || this.stateValue === 'release' || this.stateValue === 'done') return;
    const outcome = this.timeout.expire();
    if (outcome === 'major') {
      this.host.opStats(this.vers, this.options.proc, this.name).timeouts++;
      if (this.timeout.options.soft) {
        this.fail(this.majorTimeoutError());
        return;
      }
    }
    if (this.stateValue === 'wait') this.retransmitDue = true;
    else this.armTimer(); // still waiting to transmit: keep counting toward the major timeout
    this.wake();
  }

  /** ETIMEDOUT naming what the call was stuck on: a slot, the connection, or the reply. */
  private majorTimeoutError(): RpcError {
    const waitedNs = this.host.scheduler.now() - this.startNs;
    const after = `after ${formatMs(waitedNs)}`;
    const transport = this.host.transport;
    const sent = this.request !== null && this.request.transmissions > 0;
    if (!sent && !transport.connected) {
      const last = this.host.lastConnectError();
      const reason =
        last === null ? 'no connection attempt completed' : `last attempt: ${last.code} ${last.message}`;
      const where = this.slot === null ? 'never got a request slot: ' : '';
      return new RpcError(
        'ETIMEDOUT',
        `${this.describe()} timed out ${after}: ${where}transport to ${transport.remoteAddress} never connected (${reason})`,
        last === null ? undefined : { cause: last },
      );
    }
    if (this.slot === null) {
      return new RpcError(
        'ETIMEDOUT',
        `${this.describe()} timed out ${after}: never got a request slot on ${transport.remoteAddress} (all slots busy or congestion window full)`,
      );
    }
    if (!sent) {
      return new RpcError(
        'ETIMEDOUT',
        `${this.describe()} timed out ${after} before it could be transmitted`,
      );
    }
    return new RpcError('ETIMEDOUT', `${this.describe()} timed out (major timeout) ${after}`);
  }

  private decode(): T {
    const reply = this.reply!;
    const dec = new XdrDecoder(reply);
    let header: ReturnType<typeof decodeReplyHeader>;
    try {
      header = decodeReplyHeader(dec);
    } catch (err) {
      throw this.protocolError('bad reply header', err);
    }
    if (header.replyStat === ReplyStat.MSG_DENIED) {
      throw new RpcDeniedError(header.rejectStat, header.mismatch, header.authStat);
    }
    if (!this.host.auth.validateReplyVerifier(header.verf)) {
      throw new RpcError(
        'EPROTO',
        `${this.describe()}: reply verifier of flavor ${header.verf.flavor} rejected`,
      );
    }
    if (header.acceptStat !== AcceptStat.SUCCESS) {
      throw new RpcAcceptedError(header.acceptStat, header.mismatch, this.describe());
    }
    try {
      return this.options.decodeResult(dec);
    } catch (err) {
      if (err instanceof XdrError) throw this.protocolError('bad results', err);
      throw err;
    }
  }

  private protocolError(what: string, err: unknown): RpcError {
    const detail = err instanceof Error ? err.message : String(err);
    return new RpcError('EPROTO', `${this.describe()}: ${what}: ${detail}`, { cause: err });
  }

  private async release(ok: boolean): Promise<void> {
    this.stateValue = 'release';
    this.timer?.cancel();
    this.timer = null;
    this.host.leaveBacklog(this);
    // Never give buffers back while the transport may still read them.
    if (this.sending !== null) await this.sending.catch(() => undefined);
    const host = this.host;
    const op = host.opStats(this.vers, this.options.proc, this.name);
    op.ops++;
    if (!ok) op.errors++;
    const now = host.scheduler.now();
    op.executeNs += now - this.startNs;
    if (this.firstTransmitNs >= 0) op.queueNs += this.firstTransmitNs - this.startNs;
    if (this.reply !== null) {
      op.bytesReceived += this.reply.length;
      if (this.lastTransmitNs >= 0 && this.replyNs >= this.lastTransmitNs)
        op.rttNs += this.replyNs - this.lastTransmitNs;
    }
    if (this.request !== null) {
      host.untrack(this);
      host.transport.freeRequest(this.request);
    }
    if (this.slot !== null) {
      host.releaseSlot(this.slot);
      this.slot = null;
    }
    this.stateValue = 'done';
  }

  private describe(): string {
    const xid = this.request ? ` xid 0x${this.request.xid.toString(16).padStart(8, '0')}` : '';
    return `${this.name} (${this.host.program}/${this.vers}/${this.options.proc})${xid}`;
  }
}

function formatMs(ns: number): string {
  return `${Math.round(ns / 1e6)} ms`;
}
