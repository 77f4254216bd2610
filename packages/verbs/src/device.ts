import type { PhysicalMemory } from '@rdmalab/kernel';
import type { CompletionQueue, CreateCqOptions } from './completion-queue.js';
import type { AsyncEventType } from './constants/async-event.js';
import type { DmaOps } from './dma.js';
import type { FastRegMr, MemoryRegion, RegisterMrOptions } from './memory-region.js';
import type { CreateQpOptions, QueuePair } from './queue-pair.js';

/** Device limits (ibv_device_attr / ib_device_attr), the ones ULPs size themselves by. */
export interface DeviceAttributes {
  maxQp: number;
  /** Largest Send or Receive Queue a QP may have. */
  maxQpWr: number;
  maxSendSge: number;
  maxRecvSge: number;
  maxCq: number;
  maxCqe: number;
  maxMr: number;
  /** Pages one fast-registration MR may map (ib_device_attr.max_fast_reg_page_list_len). */
  maxFastRegPageListLen: number;
  /** RDMA READs a QP can serve / issue at once (max_qp_rd_atom / max_qp_init_rd_atom). */
  maxQpRdAtom: number;
  maxQpInitRdAtom: number;
  maxInlineData: number;
  /** Largest message in bytes. */
  maxMsgSize: number;
  /** The device has a global local DMA lkey (IB_DEVICE_LOCAL_DMA_LKEY). */
  localDmaLkey: boolean;
}

/** An asynchronous event (ibv_async_event). */
export interface AsyncEvent {
  type: AsyncEventType;
  qpNum?: number;
  detail?: string;
}

/** A protection domain (ibv_pd / ib_pd). */
export interface ProtectionDomain {
  /**
   * The lkey for SGEs whose address came from DmaOps.mapPage (pd->local_dma_lkey): no registration,
   * no invalidation. What xprtrdma uses for every Send SGE.
   */
  readonly localDmaLkey: number;
  /** ibv_reg_mr over host pages. EINVAL for REMOTE_WRITE without LOCAL_WRITE, an empty region, or bounds. */
  registerMr(options: RegisterMrOptions): MemoryRegion;
  /** ib_alloc_mr(IB_MR_TYPE_MEM_REG, maxPages). EINVAL above maxFastRegPageListLen. */
  allocFastRegMr(maxPages: number): FastRegMr;
  createQp(options: CreateQpOptions): QueuePair;
  /** ibv_dealloc_pd; EBUSY while MRs or QPs remain. */
  dealloc(): void;
}

/** An RDMA device (ibv_context / ib_device) on one host. */
export interface Device {
  readonly name: string;
  readonly attrs: DeviceAttributes;
  /** The host memory this device DMAs to and from. */
  readonly memory: PhysicalMemory;
  readonly dma: DmaOps;
  allocPd(): ProtectionDomain;
  createCq(options: CreateCqOptions): CompletionQueue;
  /** Subscribe to asynchronous events; returns an unsubscribe function. */
  onAsyncEvent(handler: (event: AsyncEvent) => void): () => void;
}
