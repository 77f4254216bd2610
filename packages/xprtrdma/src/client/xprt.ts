import { PAGE_SIZE, type PhysicalMemory, Tracer } from '@rdmalab/kernel';
import { SendctxRing, WriteSpaceQueue } from '@rdmalab/sendctx';
import { type ClientTransportEvents, TransportError } from '@rdmalab/sunrpc';
import {
  type CmEvent,
  CmEventType,
  type CompletionHandler,
  DmaDirection,
  QpState,
  SendFlags,
  WcStatus,
  type WorkCompletion,
  WrOpcode,
  wcStatusName,
} from '@rdmalab/verbs';
import { mrsPerRefresh } from '../policies/mr-pool/policy.js';
import type { SendPathPolicies } from '../policies/presets.js';
import { encodeConnectPrivate, negotiateInline, readConnectPrivate } from '../protocol/connect-private.js';
import { RPCRDMA_DEF_INLINE_THRESH, RPCRDMA_DEF_SLOT_TABLE } from '../protocol/constants.js';
import { createClientTracepoints, type XprtRdmaTracepoints } from '../stats/tracepoints.js';
import { XprtRdmaStats } from '../stats/xprt-stats.js';
import { type RdmaRequest, type RecvBuffer, RequestPool } from './buffers.js';
import { Endpoint, type MappedSge } from './endpoint.js';
import { FrwrPool, type RegisteredMr } from './frwr.js';
import type { RdmaClientOptions } from './options.js';
import { handleReceive } from './reply.js';
import { sizeEndpoint } from './sizing.js';

const NO_EVENTS: ClientTransportEvents = {
  onReply() {},
  onReplyError() {},
  onDisconnect() {},
  onWriteSpace() {},
  onSlotsAvailable() {},
  onCongestionWindow() {},
};

/**
 * The client side of one RPC-over-RDMA connection (the kernel's struct rpcrdma_xprt): the request
 * pool, the current endpoint, the xid lookup of RPCs awaiting replies, policies, counters and
 * tracepoints. transport.ts exposes it through the sunrpc ClientTransport ops; marshal.ts,
 * reply.ts and send-completion logic below operate on it. Single-threaded: CQ handlers and the
 * send path never run at the same time.
 */
export class RpcRdmaXprt {
  readonly stats = new XprtRdmaStats();
  readonly tp: XprtRdmaTracepoints;
  readonly policies: SendPathPolicies;
  readonly label: string;
  readonly maxRequestsWanted: number;
  readonly inlineOffer: { inlineSend: number; inlineRecv: number };
  events: ClientTransportEvents = NO_EVENTS;
  pool: RequestPool | null = null;
  ep: Endpoint | null = null;
  /** RPCs posted whose reply has not been processed, by xid. */
  readonly awaiting = new Map<number, RdmaRequest>();
  /** Requests freed by the client whose recycling waits for their Send to retire. */
  readonly pendingRecycle = new Set<RdmaRequest>();
  /** Credits granted by the server, clamped to [1, maxRequests]. */
  credits = 1;
  closed = false;
  /**
   * After a failed Send preparation no Send is prepared before this virtual time (rpc_delay):
   * wake-ups that come sooner (an unget, a Send completion) must not turn into a zero-time retry.
   */
  prepRetryAtNs = 0;
  /** The current retry delay (see marshal.ts prepFailed). */
  prepRetryDelayNs = 0;
  /** Failed Send preparations since the last posted Send. */
  prepFailuresInARow = 0;
  private generation = 0;
  private connecting: Promise<void> | null = null;
  /** Fails the pending connect of an endpoint torn down before it was established. */
  private readonly abortConnect = new WeakMap<Endpoint, (error: TransportError) => void>();

  constructor(readonly options: RdmaClientOptions) {
    this.policies = options.policies;
    if (!options.policies.sendLifetime.usesRing && !options.policies.sendLifetime.unmapOnReply) {
      throw new TransportError(
        'EINVAL',
        `send-lifetime policy ${options.policies.sendLifetime.name}: without the ring pages must be unmapped on reply`,
      );
    }
    this.label = options.label ?? 'xprtrdma';
    this.maxRequestsWanted = options.maxRequests ?? RPCRDMA_DEF_SLOT_TABLE;
    const inlineSend = options.inlineSend ?? RPCRDMA_DEF_INLINE_THRESH;
    const inlineRecv = options.inlineRecv ?? RPCRDMA_DEF_INLINE_THRESH;
    for (const [field, v] of [
      ['inlineSend', inlineSend],
      ['inlineRecv', inlineRecv],
    ] as const) {
      if (!Number.isInteger(v) || v < 1024 || v > PAGE_SIZE) {
        throw new TransportError(
          'EINVAL',
          `options.${field} must be an integer in [1024, ${PAGE_SIZE}], got ${v}`,
        );
      }
    }
    if (!Number.isInteger(this.maxRequestsWanted) || this.maxRequestsWanted < 1) {
      throw new TransportError(
        'EINVAL',
        `options.maxRequests must be an integer >= 1, got ${this.maxRequestsWanted}`,
      );
    }
    this.inlineOffer = { inlineSend, inlineRecv };
    // Without a tracer, tracepoints go to a private one with no sinks (disabled, near free).
    this.tp = createClientTracepoints(options.tracer ?? new Tracer(options.scheduler));
  }

  get connected(): boolean {
    return this.ep?.state === 'connected';
  }

  /** Connect (or reconnect once the previous endpoint is torn down). */
  connect(): Promise<void> {
    if (this.closed)
      return Promise.reject(new TransportError('ESHUTDOWN', `${this.label}: transport is closed`));
    if (this.connected) return Promise.resolve();
    if (this.connecting) return this.connecting;
    const previous = this.ep?.torndown ?? Promise.resolve();
    this.connecting = previous
      .then(() => this.openEndpoint())
      .finally(() => {
        this.connecting = null;
      });
    return this.connecting;
  }

  private openEndpoint(): Promise<void> {
    const { cm, host, port, sourceIp } = this.options;
    return new Promise<void>((resolve, reject) => {
      const generation = ++this.generation;
      let ep: Endpoint | null = null;
      let settled = false;
      const fail = (error: TransportError): void => {
        if (settled) return;
        settled = true;
        if (ep !== null) {
          ep.state = 'closed';
          try {
            ep.destroy();
          } catch {
            // the id may already be gone; nothing else holds these resources
          }
          if (this.ep === ep) this.ep = null;
        }
        reject(error);
      };
      const id = cm.createId((event) => {
        if (ep === null) return;
        if (!settled) {
          if (event.type === CmEventType.ESTABLISHED) {
            settled = true;
            this.onEstablished(ep, event);
            resolve();
          } else if (event.type === CmEventType.REJECTED) {
            fail(
              new TransportError(
                'ECONNREFUSED',
                `${this.label}: ${host}:${port} rejected the connection (${String(event.status)})`,
              ),
            );
          } else if (event.type !== CmEventType.ADDR_RESOLVED && event.type !== CmEventType.ROUTE_RESOLVED) {
            fail(
              new TransportError(
                'EHOSTUNREACH',
                `${this.label}: connecting to ${host}:${port} failed (CM event ${event.type})`,
              ),
            );
          }
          return;
        }
        if (event.type === CmEventType.DISCONNECTED || event.type === CmEventType.DEVICE_REMOVAL)
          this.fatal(ep, 'cm-disconnect');
      });
      try {
        id.resolveRoute({ ip: host, port }, sourceIp);
        const device = id.device;
        if (device === undefined)
          throw new TransportError('EHOSTUNREACH', `${this.label}: no route to ${host}`);
        const sizing = sizeEndpoint(this.maxRequestsWanted, device.attrs, this.inlineOffer.inlineSend);
        if (this.pool === null) {
          const slack = this.policies.sendLifetime.poolSlack ? Math.max(1, sizing.maxRequests >> 3) : 0;
          this.pool = new RequestPool(device, sizing.maxRequests, slack, this.label);
          this.deviceMemory = device.memory;
        }
        ep = new Endpoint(id, device, sizing, generation);
        this.ep = ep;
        // A fatal event before ESTABLISHED (an injected disconnect, a flushed receive) tears the
        // endpoint down through fatal(): the connect must then fail, or connect() waits forever.
        this.abortConnect.set(ep, (error) => {
          if (settled) return;
          settled = true;
          reject(error);
        });
        this.buildEndpoint(ep);
        id.connect({
          privateData: encodeConnectPrivate({
            sendWithInvalidateOk: this.options.allowRemoteInvalidate ?? true,
            ...this.inlineOffer,
          }),
          // The client never issues RDMA Reads; the server Reads its read chunks (verbs.c).
          initiatorDepth: 0,
          responderResources: Math.min(255, device.attrs.maxQpRdAtom),
          retryCount: this.options.retryCount ?? 6,
          // Every RNR NAK is visible: receives are posted per credit, none should be seen.
          rnrRetryCount: 0,
        });
      } catch (error) {
        fail(
          error instanceof TransportError
            ? error
            : new TransportError('EHOSTUNREACH', `${this.label}: ${String(error)}`, { cause: error }),
        );
      }
    });
  }

  private buildEndpoint(ep: Endpoint): void {
    const { device, sizing } = ep;
    ep.pd = device.allocPd();
    ep.sendCq = device.createCq({
      capacity: sizing.maxSendWr + 1,
      mode: 'callback',
      label: `${this.label}.scq`,
      // REG_MR / LOCAL_INV WRs without a handler complete here only when they fail or flush.
      onCompletion: (wc) => this.onOtherSendCompletion(ep, wc),
    });
    ep.recvCq = device.createCq({
      capacity: sizing.maxRecvWr + 1,
      mode: 'callback',
      label: `${this.label}.rcq`,
    });
    ep.qp = ep.id.createQp(ep.pd, {
      type: 'RC',
      sendCq: ep.sendCq,
      recvCq: ep.recvCq,
      cap: {
        maxSendWr: sizing.maxSendWr,
        maxRecvWr: sizing.maxRecvWr,
        maxSendSge: sizing.maxSendSge,
        maxRecvSge: 1,
        maxInlineData: 0,
      },
      label: `${this.label}.qp`,
    });
    ep.signal = this.policies.signaling.attach({
      maxRequests: sizing.maxRequests,
      maxSendWr: sizing.maxSendWr,
    });
    ep.frwr = new FrwrPool(device, ep.pd, sizing.mrCount);
    this.stats.mrs_allocated += sizing.mrCount;
    if (this.policies.sendLifetime.usesRing) {
      ep.ring = this.makeRing(ep);
    }
    for (let i = 0; i < sizing.maxRecvWr - 1; i++) {
      const page = device.memory.alloc(`${this.label}:rep${i}`);
      const addr = device.dma.mapPage(page, 0, PAGE_SIZE, DmaDirection.FROM_DEVICE);
      ep.recvs.push({ index: i, page, addr });
    }
    // Receives go up before the first Call can be answered (and before any sender is woken).
    if (ep.qp.state !== QpState.RESET) this.postAllRecvs(ep);
  }

  private postAllRecvs(ep: Endpoint): void {
    if (ep.recvsPosted) return;
    ep.recvsPosted = true;
    for (const buf of ep.recvs) this.postRecv(ep, buf);
  }

  private makeRing(ep: Endpoint): SendctxRing<MappedSge, RdmaRequest> {
    const ring = new SendctxRing<MappedSge, RdmaRequest>({
      size: ep.sizing.ringSize,
      release: (ctx) => {
        const req = ctx.req;
        for (let i = 0; i < ctx.unmapCount; i++) {
          const sge = ctx.sges[i]!;
          ep.device.dma.unmapPage(sge.addr, sge.length, DmaDirection.TO_DEVICE);
        }
        ctx.sges.length = 0;
        if (req !== null) this.onSendRetired(req, ctxGeneration.get(ctx) ?? -1);
      },
      wakeup: this.policies.wakeup,
      writeSpace: new WriteSpaceQueue(),
    });
    ep.ctxHandlers = ring.contexts.map((ctx) => ({
      done: (wc: WorkCompletion) => {
        this.stats.send_completions++;
        let retired = 0;
        if (ring.isOutstanding(ctx)) retired = ring.put(ctx);
        this.tp.wcSend.emit({ ctx: ctx.index, status: wc.status, retired });
        if (wc.status !== WcStatus.SUCCESS) this.fatal(ep, `send completion ${wcStatusName(wc.status)}`);
      },
    }));
    return ring;
  }

  /** Post (or repost) the receive for `buf`. */
  postRecv(ep: Endpoint, buf: RecvBuffer): void {
    ep.postRecv(buf, this.recvHandler(ep, buf));
  }

  private readonly recvHandlers = new WeakMap<RecvBuffer, CompletionHandler>();
  private recvHandler(ep: Endpoint, buf: RecvBuffer): CompletionHandler {
    let h = this.recvHandlers.get(buf);
    if (h === undefined) {
      h = { done: (wc) => handleReceive(this, ep, buf, wc) };
      this.recvHandlers.set(buf, h);
    }
    return h;
  }

  private onEstablished(ep: Endpoint, event: CmEvent): void {
    ep.inline = negotiateInline(this.inlineOffer, readConnectPrivate(event.privateData));
    this.postAllRecvs(ep);
    ep.state = 'connected';
    this.stats.connects++;
    // RFC 8166 §3.3.3: the credit grant starts at one until the first Reply.
    this.credits = 1;
    this.events.onCongestionWindow(1);
  }

  private readonly noRingHandlers = new WeakMap<Endpoint, CompletionHandler>();
  /** The Send completion handler when no ring tracks Sends (pre-2017): count, and fail on error. */
  noRingHandler(ep: Endpoint): CompletionHandler {
    let h = this.noRingHandlers.get(ep);
    if (h === undefined) {
      h = {
        done: (wc) => {
          this.stats.send_completions++;
          this.tp.wcSend.emit({ ctx: -1, status: wc.status, retired: 0 });
          if (wc.status !== WcStatus.SUCCESS) this.fatal(ep, `send completion ${wcStatusName(wc.status)}`);
        },
      };
      this.noRingHandlers.set(ep, h);
    }
    return h;
  }

  /**
   * The MR pool ran dry (rpcrdma_mr_get returned NULL). With `'grow-on-demand'`, queue the refresh
   * worker (rpcrdma_mrs_refresh: only on a connected endpoint, one pending at a time); it creates
   * re_max_rdma_segs MRs (rpcrdma_mrs_create) and wakes writers. With `'fixed'` the RPC just waits
   * for MRs to be invalidated and returned.
   */
  refreshMrs(ep: Endpoint): void {
    if ((this.policies.mrPool ?? 'grow-on-demand') !== 'grow-on-demand') return;
    if (ep.state !== 'connected' || ep.mrRefreshPending) return;
    ep.mrRefreshPending = true;
    this.options.scheduler.setTimer(
      0,
      () => {
        ep.mrRefreshPending = false;
        if (ep.state !== 'connected') return;
        const made = ep.frwr.grow(mrsPerRefresh(ep.device.attrs.maxFastRegPageListLen));
        this.stats.mr_refresh_count++;
        this.stats.mrs_allocated += made;
        this.tp.createMrs.emit({ count: made, total: ep.frwr.total });
        this.events.onWriteSpace();
      },
      'xprtrdma.mr-refresh',
    );
  }

  /** A REG_MR / LOCAL_INV (no handler) completed: only failures and flushes arrive here. */
  private onOtherSendCompletion(ep: Endpoint, wc: WorkCompletion): void {
    if (wc.status !== WcStatus.SUCCESS) this.fatal(ep, `${wcStatusName(wc.status)} on a FastReg/LocalInv WR`);
  }

  /**
   * The ring walk retired the Send of `req` (or flushed it): its pages are unmapped. Complete a
   * reply that waited for it, and recycle the request if the client already freed it.
   */
  onSendRetired(req: RdmaRequest, generation: number): void {
    if (generation !== req.sendGeneration) return;
    req.sendOutstanding = false;
    this.tryComplete(req);
    if (this.pendingRecycle.delete(req)) this.recycleRequest(req);
  }

  /**
   * Return a request to the pool. If the pool had run dry meanwhile, RPCs sit in the client's
   * backlog and nothing else may wake them (the client released no slot): tell the client — its
   * slot waiters only, not the writers waiting for write space (xprt_wake_up_backlog).
   */
  recycleRequest(req: RdmaRequest): void {
    if (this.pool?.recycle(req) === true) {
      this.stats.req_pool_empty = this.pool.emptyGets;
      this.events.onSlotsAvailable();
    }
  }

  /** Deliver the reply of `req` once nothing holds it back. */
  tryComplete(req: RdmaRequest): void {
    if (!req.replyReady || req.invalidating) return;
    if (req.decision?.rpcWaitsForSend && req.sendOutstanding) return;
    const reply = req.heldReply;
    const error = req.heldError;
    const xid = req.rpc?.xid;
    req.replyReady = false;
    req.heldReply = null;
    req.heldError = null;
    this.freeTransportPages(req);
    this.stats.rpcs_completed++;
    if (xid === undefined) return;
    if (error !== null) this.events.onReplyError(xid, error);
    else if (reply !== null) this.events.onReply(xid, reply);
  }

  /** Free pages the transport allocated for this RPC's chunks (after invalidation). */
  freeTransportPages(req: RdmaRequest): void {
    const memory = this.deviceMemory;
    if (memory === undefined) return;
    for (const p of req.bouncePages) memory.free(p);
    for (const p of req.replyChunkPages) memory.free(p);
    req.bouncePages = [];
    req.replyChunkPages = [];
  }

  /** The memory of the device the pool was built on. */
  deviceMemory: PhysicalMemory | undefined;

  /**
   * Invalidate what `req` registered: MRs the server invalidated are recycled at once, the
   * others get a LOCAL_INV chain whose last WR is signaled; `done` runs when all are invalid.
   */
  invalidateMrs(ep: Endpoint, req: RdmaRequest, done: () => void): void {
    const regs = req.mrs;
    req.mrs = [];
    const local: RegisteredMr[] = [];
    for (const r of regs) {
      if (r.remotelyInvalidated) ep.frwr.recycle(r);
      else local.push(r);
    }
    if (local.length === 0 || ep.state !== 'connected') {
      for (const r of local) ep.frwr.orphan(r);
      done();
      return;
    }
    this.stats.local_inv_needed += local.length;
    const wrs = local.map((r) => ep.frwr.localInvWr(r));
    const last = wrs[wrs.length - 1]!;
    wrs[wrs.length - 1] = {
      ...last,
      flags: SendFlags.SIGNALED,
      cqe: {
        done: (wc) => {
          if (wc.status === WcStatus.SUCCESS) {
            for (const r of local) ep.frwr.recycle(r);
            this.stats.mrs_recycled += local.length;
          } else {
            for (const r of local) ep.frwr.orphan(r);
            this.stats.mrs_orphaned += local.length;
            this.fatal(ep, `LOCAL_INV ${wcStatusName(wc.status)}`);
          }
          done();
        },
      },
    };
    try {
      ep.qp.postSend(wrs);
    } catch (error) {
      for (const r of local) ep.frwr.orphan(r);
      this.stats.mrs_orphaned += local.length;
      this.fatal(ep, `LOCAL_INV post failed: ${String(error)}`);
      done();
    }
  }

  /**
   * A fatal event (an error completion, a CM disconnect, an injected fault): disconnect once,
   * flush, drain both queues, tear down, then tell the client (which reconnects and retransmits).
   */
  fatal(ep: Endpoint, reason: string): void {
    if (ep.state !== 'connected' && ep.state !== 'connecting') return;
    ep.state = 'disconnecting';
    this.stats.disconnects++;
    let release!: () => void;
    ep.torndown = new Promise<void>((r) => {
      release = r;
    });
    try {
      ep.id.disconnect();
    } catch {
      // already disconnected by the peer
    }
    // ib_drain_qp: one WR on each queue; the queues complete in order, so when both drains
    // have completed (flushed) every earlier WR has too.
    const finish = (): void => {
      if (--ep.drainsPending > 0) return;
      this.teardown(ep, reason);
      release();
    };
    ep.drainsPending = 2;
    try {
      ep.qp.postSend([
        { wrId: -1, opcode: WrOpcode.SEND, sgList: [], flags: SendFlags.SIGNALED, cqe: { done: finish } },
      ]);
    } catch {
      ep.drainsPending--;
    }
    try {
      ep.qp.postRecv([{ wrId: -1, sgList: [], cqe: { done: finish } }]);
    } catch {
      ep.drainsPending--;
    }
    if (ep.drainsPending === 0) {
      ep.drainsPending = 1;
      finish();
    }
  }

  private teardown(ep: Endpoint, reason: string): void {
    // Sends whose completion will never come (unsignaled, the QP gone) are released now.
    const flushed = ep.ring?.flush() ?? 0;
    this.tp.flush.emit({ reason, flushed });
    for (const req of this.awaiting.values()) {
      for (const r of req.mrs) ep.frwr.orphan(r);
      this.stats.mrs_orphaned += req.mrs.length;
      req.mrs = [];
      req.awaitingReply = false;
      if (!this.policies.sendLifetime.usesRing) this.unmapReqSges(ep, req);
      req.sendOutstanding = false;
    }
    this.awaiting.clear();
    for (const req of this.pool?.all ?? []) {
      // frwr_reset at disconnect: whatever state the request is in, its MRs die with the endpoint.
      for (const r of req.mrs) ep.frwr.orphan(r);
      this.stats.mrs_orphaned += req.mrs.length;
      req.mrs = [];
      if (req.sendOutstanding && !this.policies.sendLifetime.usesRing) {
        this.unmapReqSges(ep, req);
        req.sendOutstanding = false;
      }
      // held replies whose Send was flushed complete now
      this.tryComplete(req);
    }
    for (const req of [...this.pendingRecycle]) {
      if (!req.sendOutstanding) {
        this.pendingRecycle.delete(req);
        this.recycleRequest(req);
      }
    }
    ep.state = 'closed';
    // MRs no request holds any more (a LOCAL_INV chain cut short) are deregistered by the pool's
    // destroy; a failure to release a verbs resource must not stop the RPCs from being told.
    this.stats.mrs_orphaned += ep.frwr?.registered ?? 0;
    try {
      ep.destroy();
    } catch (error) {
      this.stats.teardown_errors++;
      this.tp.flush.emit({ reason: `destroy failed: ${String(error)}`, flushed: 0 });
    }
    if (this.ep === ep) this.ep = null;
    this.abortConnect.get(ep)?.(
      new TransportError('ECONNRESET', `${this.label}: connection lost while connecting (${reason})`),
    );
    if (!this.closed) {
      this.tp.reconnect.emit({ attempt: this.generation + 1 });
      this.events.onDisconnect(
        new TransportError('ECONNRESET', `${this.label}: connection lost (${reason})`),
      );
      // A writer waiting for ring space must retry (and see ENOTCONN) rather than sleep forever.
      this.events.onWriteSpace();
    }
  }

  /** Unmap the pages a Send of `req` gathered (no ring: at reply or teardown). */
  unmapReqSges(ep: Endpoint, req: RdmaRequest): void {
    for (const s of req.mappedSges) ep.device.dma.unmapPage(s.addr, s.length, DmaDirection.TO_DEVICE);
    req.mappedSges = [];
  }

  /** Close for good. */
  async close(): Promise<void> {
    this.closed = true;
    const ep = this.ep;
    if (ep !== null && (ep.state === 'connected' || ep.state === 'connecting')) this.fatal(ep, 'close');
    await ep?.torndown;
    this.events = NO_EVENTS;
  }

  /** The ring of the current endpoint, if any (for tests and invariants). */
  get ring() {
    return this.ep?.ring ?? null;
  }
}

/** Generation of the Send each context carries, so a retirement reaches only that Send. */
export const ctxGeneration = new WeakMap<object, number>();
