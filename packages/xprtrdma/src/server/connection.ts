import { PAGE_SIZE, type Page } from '@rdmalab/kernel';
import {
  type ReceivedCall,
  type ServerConnection,
  type ServerTransportEvents,
  TransportError,
  type XdrBuf,
} from '@rdmalab/sunrpc';
import {
  type CmId,
  type CompletionQueue,
  type Device,
  type DmaAddress,
  DmaDirection,
  type ProtectionDomain,
  type QueuePair,
  WcStatus,
  type WorkCompletion,
  wcStatusName,
} from '@rdmalab/verbs';
import type { NegotiatedInline } from '../protocol/connect-private.js';
import type { RdmaMsgHeader } from '../protocol/header.js';
import type { SvcRdmaTracepoints } from '../stats/tracepoints.js';
import { handleRecv } from './recvfrom.js';
import { sendReply } from './sendto.js';
import type { SvcRdmaStats } from './stats.js';

/** A receive buffer of the server. */
export interface SvcRecvBuffer {
  readonly index: number;
  readonly page: Page;
  readonly addr: DmaAddress;
}

/** A registered send buffer for replies (svc_rdma_send_ctxt). */
export interface SvcSendBuffer {
  readonly page: Page;
  readonly addr: DmaAddress;
}

/** A Call as the server transport hands it up, with what the reply needs. */
export interface RdmaReceivedCall extends ReceivedCall {
  readonly xid: number;
  readonly header: RdmaMsgHeader;
  /** Pages the server allocated for read chunk data; freed when the call is replied to or dropped. */
  readPages: Page[];
  done: boolean;
}

export interface ServerConnectionDeps {
  readonly id: CmId;
  readonly device: Device;
  readonly credits: number;
  readonly inline: NegotiatedInline;
  readonly sendWithInvalidate: boolean;
  readonly events: ServerTransportEvents;
  readonly stats: SvcRdmaStats;
  readonly tp: SvcRdmaTracepoints;
  readonly label: string;
  readonly onClosed: (conn: RdmaServerConnection) => void;
}

/**
 * One accepted RPC-over-RDMA connection (svcxprt_rdma): its QP, receives kept posted for every
 * credit granted, send buffers for replies, and the calls in progress. A fault on this
 * connection (a chunk outside what the client registered, a retry-exceeded Send) closes it and
 * only it.
 */
export class RdmaServerConnection implements ServerConnection {
  readonly remoteAddress: string;
  open = false;
  pd!: ProtectionDomain;
  cq!: CompletionQueue;
  qp!: QueuePair;
  recvs: SvcRecvBuffer[] = [];
  readonly freeSendBufs: SvcSendBuffer[] = [];
  readonly allSendBufs: SvcSendBuffer[] = [];
  /** Replies waiting for a free send buffer. */
  readonly sendWaiters: (() => void)[] = [];
  /**
   * Calls received before ESTABLISHED (the client's first Sends overtook the RTU): held for the
   * RPC server until the connection opens, as svcrdma queues receives from accept on.
   */
  private readonly early: { run: () => void; drop: () => void }[] = [];
  private closed = false;

  constructor(
    readonly id: number,
    readonly deps: ServerConnectionDeps,
  ) {
    const remote = deps.id.remote;
    this.remoteAddress = remote ? `${remote.ip}:${remote.port}` : 'unknown';
  }

  get device(): Device {
    return this.deps.device;
  }

  /** Build the QP and post a receive per credit; called before accept. */
  setup(): void {
    const { device, credits, label } = this.deps;
    this.pd = device.allocPd();
    const maxSendWr = Math.min(device.attrs.maxQpWr, credits * 24 + 1);
    const maxRecvWr = Math.min(device.attrs.maxQpWr, credits + 2);
    this.cq = device.createCq({
      capacity: maxSendWr + maxRecvWr + 2,
      mode: 'callback',
      label: `${label}.conn${this.id}.cq`,
      onCompletion: (wc) => this.onOtherCompletion(wc),
    });
    this.qp = this.deps.id.createQp(this.pd, {
      type: 'RC',
      sendCq: this.cq,
      recvCq: this.cq,
      cap: {
        maxSendWr,
        maxRecvWr,
        maxSendSge: Math.min(device.attrs.maxSendSge, 16),
        maxRecvSge: 1,
        maxInlineData: 0,
      },
      label: `${label}.conn${this.id}.qp`,
    });
    for (let i = 0; i < credits; i++) {
      const page = device.memory.alloc(`${label}:conn${this.id}:recv${i}`);
      const addr = device.dma.mapPage(page, 0, PAGE_SIZE, DmaDirection.FROM_DEVICE);
      this.recvs.push({ index: i, page, addr });
      const sp = device.memory.alloc(`${label}:conn${this.id}:send${i}`);
      const sa = device.dma.mapPage(sp, 0, PAGE_SIZE, DmaDirection.TO_DEVICE);
      const sb = { page: sp, addr: sa };
      this.allSendBufs.push(sb);
      this.freeSendBufs.push(sb);
    }
  }

  postAllRecvs(): void {
    for (const r of this.recvs) this.postRecv(r);
  }

  postRecv(buf: SvcRecvBuffer): void {
    this.qp.postRecv([
      {
        wrId: buf.index,
        sgList: [{ addr: buf.addr, length: PAGE_SIZE, lkey: this.pd.localDmaLkey }],
        cqe: { done: (wc) => handleRecv(this, buf, wc) },
      },
    ]);
  }

  sendReply(call: ReceivedCall, reply: XdrBuf): Promise<void> {
    const c = call as RdmaReceivedCall;
    if (c.connection !== this || c.done) {
      return Promise.reject(
        new TransportError('EINVAL', `${this.deps.label}: call is not outstanding on connection ${this.id}`),
      );
    }
    if (!this.open)
      return Promise.reject(
        new TransportError('ENOTCONN', `${this.deps.label}: connection ${this.id} is closed`),
      );
    c.done = true;
    return sendReply(this, c, reply);
  }

  dropCall(call: ReceivedCall): void {
    const c = call as RdmaReceivedCall;
    if (c.done) return;
    c.done = true;
    this.releaseCall(c);
  }

  /**
   * Run `run` (process a received Call) now if established, else once ESTABLISHED arrives (the QP
   * may not send, nor RDMA Read, before); `drop` instead if the connection closes first.
   */
  whenOpen(run: () => void, drop: () => void): void {
    if (this.open) run();
    else if (!this.closed) this.early.push({ run, drop });
    else drop();
  }

  /** ESTABLISHED: the RPC server learns of the connection, then gets the Calls that came first. */
  establish(): void {
    this.open = true;
    this.deps.events.onConnection(this);
    for (const e of this.early.splice(0)) e.run();
  }

  /** Whether receives may still be (re)posted: until shutdown, established or not. */
  get receiving(): boolean {
    return !this.closed;
  }

  releaseCall(c: RdmaReceivedCall): void {
    for (const p of c.readPages) this.device.memory.free(p);
    c.readPages = [];
  }

  /** Take a send buffer, or run `then` when one frees up. */
  withSendBuffer(then: (buf: SvcSendBuffer) => void): void {
    const b = this.freeSendBufs.pop();
    if (b !== undefined) then(b);
    else this.sendWaiters.push(() => this.withSendBuffer(then));
  }

  returnSendBuffer(buf: SvcSendBuffer): void {
    this.freeSendBufs.push(buf);
    this.sendWaiters.shift()?.();
  }

  /** WRs without a handler (unsignaled RDMA Writes) report here only on failure or flush. */
  private onOtherCompletion(wc: WorkCompletion): void {
    if (wc.status !== WcStatus.SUCCESS) this.fault(`${wcStatusName(wc.status)} on an RDMA Write`);
  }

  /** A fault on this connection: count, trace, close it (never the listener). */
  fault(reason: string): void {
    if (this.closed) return;
    this.deps.stats.connectionFaults++;
    this.deps.tp.connFault.emit({ conn: this.id, reason });
    this.shutdown(new TransportError('ECONNRESET', `${this.deps.label}: connection ${this.id}: ${reason}`));
  }

  close(): void {
    this.shutdown(undefined);
  }

  /** Disconnect; resources are released once the QP has flushed (a little later). */
  shutdown(error: TransportError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    const wasOpen = this.open;
    this.open = false;
    try {
      this.deps.id.disconnect();
    } catch {
      // already gone
    }
    // Pending replies that wait for a send buffer will never get one.
    this.sendWaiters.length = 0;
    for (const e of this.early.splice(0)) e.drop();
    // Let flushed completions run before the memory goes back (the HCA may still DMA until then).
    this.deps.onClosed(this);
    if (wasOpen) this.deps.events.onConnectionClosed(this, error);
  }

  /** Free verbs resources and memory; after the flush has run. */
  destroy(): void {
    const { device } = this;
    for (const r of this.recvs) {
      device.dma.unmapPage(r.addr, PAGE_SIZE, DmaDirection.FROM_DEVICE);
      device.memory.free(r.page);
    }
    for (const s of this.allSendBufs) {
      device.dma.unmapPage(s.addr, PAGE_SIZE, DmaDirection.TO_DEVICE);
      device.memory.free(s.page);
    }
    this.recvs = [];
    this.allSendBufs.length = 0;
    this.deps.id.destroy();
    this.cq.destroy();
    this.pd.dealloc();
  }
}
