import { PAGE_SIZE, type Page } from '@rdmalab/kernel';
import type { RpcRequest, RpcSlot, RpcTransportReplyError, XdrBuf } from '@rdmalab/sunrpc';
import { type Device, type DmaAddress, DmaDirection } from '@rdmalab/verbs';
import type { SendLifetimeDecision } from '../policies/send-lifetime/policy.js';
import type { RegisteredMr } from './frwr.js';

/**
 * One request of the pool (the kernel's struct rpcrdma_req): a registered header buffer (SGE 0)
 * and a registered send buffer (SGE 1), both DMA-mapped once for the transport's life, plus the
 * per-RPC state of the call it carries.
 */
export class RdmaRequest implements RpcSlot {
  /** The RPC this request carries, while the client owns the slot. */
  rpc: RpcRequest | null = null;
  /** The client holds this slot (allocSlot .. freeSlot). */
  clientOwned = false;
  /** A Send of this request is posted and not yet retired by the ring (or, without ring, by its reply). */
  sendOutstanding = false;
  /** Generation of the posted Send, so a late retirement of an older Send is told apart. */
  sendGeneration = 0;
  /** The policy's answer for the Send in flight. */
  decision: SendLifetimeDecision | null = null;
  /** DMA mappings of pages gathered into the Send in flight (unmapped at retirement). */
  mappedSges: { addr: DmaAddress; length: number }[] = [];
  /** FRWR registrations of this RPC's chunks. */
  mrs: RegisteredMr[] = [];
  /** Pages the transport allocated for a position-zero read chunk or a reply chunk. */
  bouncePages: Page[] = [];
  /** Reply chunk target, when one was offered. */
  replyChunkPages: Page[] = [];
  /** A reply held back until the Send retires (reply_waits_for_send). */
  heldReply: XdrBuf | null = null;
  /** An RDMA_ERROR answered this RPC: it fails with this error instead of `heldReply`. */
  heldError: RpcTransportReplyError | null = null;
  /** The reply arrived and (once MRs are invalidated) may complete the RPC. */
  replyReady = false;
  /** MRs still being invalidated by LOCAL_INV before the RPC can complete. */
  invalidating = false;
  /** Posted, reply not yet processed: the xid is in the transport's lookup map. */
  awaitingReply = false;

  constructor(
    readonly id: number,
    readonly hdrPage: Page,
    readonly hdrAddr: DmaAddress,
    readonly sendPage: Page,
    readonly sendAddr: DmaAddress,
  ) {}

  /** The registered header buffer (SGE 0). */
  get hdrBuf(): Uint8Array {
    return this.hdrPage.bytes;
  }

  /** The registered send buffer (SGE 1) the client encodes the call head into. */
  get sendBuf(): Uint8Array {
    return this.sendPage.bytes;
  }
}

/** The receive buffers (struct rpcrdma_rep): each a DMA_FROM_DEVICE-mapped page. */
export interface RecvBuffer {
  readonly index: number;
  readonly page: Page;
  readonly addr: DmaAddress;
}

/**
 * The pool of requests: `limit` may be handed to the client at once (the request limit the
 * credits and the slot table enforce); `slack` more exist so that requests whose recycling waits
 * for their Send do not starve new RPCs (Linux 7.2: 1/8 extra).
 */
export class RequestPool {
  readonly all: RdmaRequest[] = [];
  private readonly free: RdmaRequest[] = [];
  private clientHeld = 0;
  /** get() found no free request although the client held fewer than `limit`. */
  emptyGets = 0;
  /** A get() failed for want of a free request since the last recycle that reported it. */
  private starved = false;

  constructor(
    private readonly device: Device,
    readonly limit: number,
    slack: number,
    owner: string,
  ) {
    for (let i = 0; i < limit + slack; i++) {
      const hdrPage = device.memory.alloc(`${owner}:req${i}:hdr`);
      const sendPage = device.memory.alloc(`${owner}:req${i}:send`);
      const hdrAddr = device.dma.mapPage(hdrPage, 0, PAGE_SIZE, DmaDirection.TO_DEVICE);
      const sendAddr = device.dma.mapPage(sendPage, 0, PAGE_SIZE, DmaDirection.TO_DEVICE);
      const req = new RdmaRequest(i, hdrPage, hdrAddr, sendPage, sendAddr);
      this.all.push(req);
      this.free.push(req);
    }
    // Lowest id handed out first.
    this.free.reverse();
  }

  /** Requests in the pool right now. */
  get available(): number {
    return this.free.length;
  }

  /** A free request, most recently recycled first (as the kernel's list), or null. */
  get(): RdmaRequest | null {
    if (this.clientHeld >= this.limit) return null;
    const req = this.free.pop();
    if (req === undefined) {
      // Under the limit but every free request is waiting for its Send to retire.
      this.emptyGets++;
      this.starved = true;
      return null;
    }
    this.clientHeld++;
    req.clientOwned = true;
    return req;
  }

  /** The client is done with `req`; it returns to the pool now (or later via `recycle`). */
  release(req: RdmaRequest): void {
    req.clientOwned = false;
    this.clientHeld--;
  }

  /**
   * Put a request back in the free list. True when a get() failed for want of one since the last
   * recycle that returned true: the caller must wake whoever waits for a slot.
   */
  recycle(req: RdmaRequest): boolean {
    this.free.push(req);
    const wake = this.starved;
    this.starved = false;
    return wake;
  }

  destroy(): void {
    for (const r of this.all) {
      this.device.dma.unmapPage(r.hdrAddr, PAGE_SIZE, DmaDirection.TO_DEVICE);
      this.device.dma.unmapPage(r.sendAddr, PAGE_SIZE, DmaDirection.TO_DEVICE);
      this.device.memory.free(r.hdrPage);
      this.device.memory.free(r.sendPage);
    }
  }
}
