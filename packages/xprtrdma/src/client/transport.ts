import { PAGE_SIZE } from '@rdmalab/kernel';
import {
  type ClientTransport,
  type ClientTransportEvents,
  type RpcRequest,
  type RpcSlot,
  TransportError,
  type TransportStats,
  XPRT_TRANSPORT_RDMA,
} from '@rdmalab/sunrpc';
import type { RdmaRequest } from './buffers.js';
import { sendRequest } from './marshal.js';
import type { RdmaClientOptions } from './options.js';
import { RpcRdmaXprt } from './xprt.js';

/**
 * The "rdma" client transport: the sunrpc ClientTransport ops table filled from the xprtrdma
 * machinery (net/sunrpc/xprtrdma/transport.c is only this glue too).
 */
export class RdmaClientTransport implements ClientTransport {
  readonly transportName = 'rdma';
  readonly ident = XPRT_TRANSPORT_RDMA;
  readonly remoteAddress: string;
  /** The transport's internals, for tests, invariant checks and counters. */
  readonly xprt: RpcRdmaXprt;
  private attached = false;

  constructor(options: RdmaClientOptions) {
    this.xprt = new RpcRdmaXprt(options);
    this.remoteAddress = `${options.host}:${options.port}`;
  }

  get connected(): boolean {
    return this.xprt.connected;
  }

  attach(events: ClientTransportEvents): void {
    if (this.attached) throw new TransportError('EINVAL', 'attach: events already installed');
    this.attached = true;
    this.xprt.events = events;
  }

  connect(): Promise<void> {
    return this.xprt.connect();
  }

  close(): Promise<void> {
    return this.xprt.close();
  }

  allocSlot(): RpcSlot | null {
    const pool = this.xprt.pool;
    if (pool === null) return null;
    const req = pool.get();
    this.xprt.stats.req_pool_empty = pool.emptyGets;
    return req;
  }

  freeSlot(slot: RpcSlot): void {
    const pool = this.xprt.pool;
    const req = slot as RdmaRequest;
    if (pool === null || !pool.all.includes(req) || !req.clientOwned) {
      throw new TransportError('EINVAL', `freeSlot: slot ${slot.id} is not held from this transport`);
    }
    pool.release(req);
    // Recycling waits for the Send when the policy says so (7.2, nvme-rdma); otherwise the
    // request is reusable at once — even if its Send is still in flight.
    if (req.sendOutstanding && req.decision?.recycleWaitsForSend === true) this.xprt.pendingRecycle.add(req);
    else this.xprt.recycleRequest(req);
  }

  allocSendBuffer(slot: RpcSlot, sizeHint: number): Uint8Array | undefined {
    const req = slot as RdmaRequest;
    if (sizeHint > PAGE_SIZE) return undefined;
    return req.sendBuf;
  }

  freeRequest(request: RpcRequest): void {
    const req = request.slot as RdmaRequest;
    const xprt = this.xprt;
    if (req.awaitingReply && req.rpc === request) {
      // The RPC ended without a reply (timeout, signal): forget the xid, invalidate its chunks.
      xprt.awaiting.delete(request.xid);
      req.awaitingReply = false;
      const ep = xprt.ep;
      if (ep !== null && req.mrs.length > 0) xprt.invalidateMrs(ep, req, () => xprt.freeTransportPages(req));
      else xprt.freeTransportPages(req);
    }
    if (req.rpc === request) {
      req.heldReply = null;
      req.heldError = null;
      req.replyReady = false;
    }
  }

  sendRequest(request: RpcRequest): Promise<void> {
    try {
      sendRequest(this.xprt, request);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  injectDisconnect(): void {
    const ep = this.xprt.ep;
    if (ep !== null) this.xprt.fatal(ep, 'injected');
  }

  stats(): TransportStats {
    const s = this.xprt.stats;
    return {
      connects: s.connects,
      disconnects: s.disconnects,
      sends: s.sends,
      receives: s.receives,
      badXids: s.badXids,
      bytesSent: s.bytesSent,
      bytesReceived: s.bytesReceived,
      extra: s.snapshot(),
    };
  }
}
