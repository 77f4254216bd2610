import { PAGE_SIZE } from '@rdmalab/kernel';
import type { SendCtx, SendctxRing } from '@rdmalab/sendctx';
import {
  type CmId,
  type CompletionHandler,
  type CompletionQueue,
  type Device,
  DmaDirection,
  type ProtectionDomain,
  QpState,
  type QueuePair,
  type Sge,
} from '@rdmalab/verbs';
import type { SignalCounter } from '../policies/signaling/policy.js';
import type { NegotiatedInline } from '../protocol/connect-private.js';
import type { RdmaRequest, RecvBuffer } from './buffers.js';
import type { FrwrPool } from './frwr.js';
import type { EndpointSizing } from './sizing.js';

/** A mapped page SGE a send context must unmap when its Send retires. */
export interface MappedSge {
  readonly addr: number;
  readonly length: number;
}

export type EndpointState = 'connecting' | 'connected' | 'disconnecting' | 'closed';

/**
 * One connection's verbs resources (the kernel's struct rpcrdma_ep, rebuilt on every connect):
 * CM id, PD, CQs, QP, receive buffers, the send-context ring, the signaling countdown and the
 * FRWR MR pool.
 */
export class Endpoint {
  state: EndpointState = 'connecting';
  inline: NegotiatedInline = { inlineSend: 1024, inlineRecv: 1024, peerAcceptsInvalidate: false };
  ring: SendctxRing<MappedSge, RdmaRequest> | null = null;
  /** One completion handler per ring slot, made once (no allocation per Send). */
  ctxHandlers: CompletionHandler[] = [];
  recvs: RecvBuffer[] = [];
  pd!: ProtectionDomain;
  sendCq!: CompletionQueue;
  recvCq!: CompletionQueue;
  qp!: QueuePair;
  signal!: SignalCounter;
  frwr!: FrwrPool;
  /** An MR refresh is queued (rb_refresh_worker pending). */
  mrRefreshPending = false;
  recvsPosted = false;
  /** Drain WRs still to complete before teardown. */
  drainsPending = 0;
  /** Teardown finished: resolved by the transport. */
  torndown: Promise<void> | null = null;

  constructor(
    readonly id: CmId,
    readonly device: Device,
    readonly sizing: EndpointSizing,
    readonly generation: number,
  ) {}

  /** Post one receive for `buf`. */
  postRecv(buf: RecvBuffer, handler: CompletionHandler): void {
    const sge: Sge = { addr: buf.addr, length: PAGE_SIZE, lkey: this.pd.localDmaLkey };
    this.qp.postRecv([{ wrId: buf.index, sgList: [sge], cqe: handler }]);
  }

  get qpUsable(): boolean {
    return this.qp !== undefined && this.qp.state !== QpState.RESET;
  }

  /** Release every verbs resource. Call after the Send and Receive Queues are drained. */
  destroy(): void {
    const { device } = this;
    for (const r of this.recvs) {
      device.dma.unmapPage(r.addr, PAGE_SIZE, DmaDirection.FROM_DEVICE);
      device.memory.free(r.page);
    }
    this.recvs = [];
    this.frwr?.destroy();
    // rdma_destroy_id destroys the id's QP too.
    this.id.destroy();
    this.sendCq?.destroy();
    this.recvCq?.destroy();
    this.pd?.dealloc();
  }
}

export type { SendCtx };
