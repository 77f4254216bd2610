import type { Page } from '@rdmalab/kernel';

/** `enum dma_data_direction`. A Send's payload is DMA_TO_DEVICE; a receive buffer DMA_FROM_DEVICE. */
export const DmaDirection = {
  BIDIRECTIONAL: 0,
  TO_DEVICE: 1,
  FROM_DEVICE: 2,
} as const;
export type DmaDirection = (typeof DmaDirection)[keyof typeof DmaDirection];

/** A bus address the HCA uses to reach host memory. With an IOMMU it is an IOVA, not a physical address. */
export type DmaAddress = number;

/**
 * The device's DMA mapping operations (ib_dma_map_page / ib_dma_unmap_page / ib_dma_sync_*). The
 * address returned is what goes in an SGE with the PD's `localDmaLkey`. Between map and unmap the HCA
 * may read (TO_DEVICE) or write (FROM_DEVICE) the mapped bytes at any time — including a Send's
 * retransmission long after the ULP thinks it is done. After unmap, what a DMA to that address reaches
 * depends on the backend's IOMMU model: a fault (strict) or whatever lives at that physical address
 * now (passthrough).
 */
export interface DmaOps {
  /** Map `length` bytes of `page` from `offset`. Throws DmaMappingError when the mapping fails. */
  mapPage(page: Page, offset: number, length: number, direction: DmaDirection): DmaAddress;
  /** Tear down a mapping made by mapPage; EINVAL (VerbsError) if the address/length was not mapped. */
  unmapPage(address: DmaAddress, length: number, direction: DmaDirection): void;
  /** Make CPU writes visible to the device before it reads (ib_dma_sync_single_for_device). */
  syncForDevice(address: DmaAddress, length: number, direction: DmaDirection): void;
  /** Make device writes visible to the CPU before it reads (ib_dma_sync_single_for_cpu). */
  syncForCpu(address: DmaAddress, length: number, direction: DmaDirection): void;
  /** Number of live mappings; a ULP that leaks mappings shows here. */
  readonly mappedCount: number;
}
