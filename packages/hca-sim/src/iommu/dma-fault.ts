/** Why a device access through the IOMMU did not reach memory (strict) or reached memory it should not (passthrough). */
export type DmaFaultReason = 'unmapped' | 'direction' | 'discontiguous';

/** One device DMA access the IOMMU model objected to. */
export interface DmaFault {
  /** Bus address of the access. */
  dma: number;
  length: number;
  /** true = device write (receive), false = device read (gather for a transmission). */
  write: boolean;
  reason: DmaFaultReason;
  /** strict: the access faulted (LOC_PROT_ERR). passthrough: it went through to whatever lives there. */
  faulted: boolean;
  /** Owner tag of the physical page at that address now, when the model can tell (passthrough). */
  owner?: string | null;
}
