import { type DmaDirection, VerbsError } from '@rdmalab/verbs';

/** Translates DMA addresses to physical addresses. */
export interface Iommu {
  /** Create a mapping for [phys, phys+length); returns the DMA address. Throws DmaMappingError. */
  map(phys: number, length: number, direction: DmaDirection): number;
  /** Remove a mapping made by `map`; VerbsError EINVAL if not mapped. */
  unmap(dma: number, length: number): void;
  /**
   * Translate for a device access; returns the physical address, or undefined = IOMMU fault
   * (the access completes with LOC_PROT_ERR).
   */
  translate(dma: number, length: number, write: boolean): number | undefined;
  readonly mappedCount: number;
}

/**
 * No IOMMU: dma == phys, translation never faults, mapping never fails. It still counts mappings
 * (keyed by address and length) so leaked mappings are visible and a bad unmap is reported.
 */
export class IdentityIommu implements Iommu {
  /** `${dma}:${length}` → number of live mappings of that range (the same range may be mapped twice). */
  private readonly live = new Map<string, number>();
  private count = 0;

  map(phys: number, length: number, _direction: DmaDirection): number {
    if (!Number.isSafeInteger(phys) || phys < 0) {
      throw new VerbsError('EINVAL', `IdentityIommu.map: phys ${phys} is not a non-negative integer`);
    }
    if (!Number.isSafeInteger(length) || length <= 0) {
      throw new VerbsError('EINVAL', `IdentityIommu.map: length ${length} must be a positive integer`);
    }
    const key = `${phys}:${length}`;
    this.live.set(key, (this.live.get(key) ?? 0) + 1);
    this.count++;
    return phys;
  }

  unmap(dma: number, length: number): void {
    const key = `${dma}:${length}`;
    const n = this.live.get(key);
    if (n === undefined) {
      throw new VerbsError(
        'EINVAL',
        `IdentityIommu.unmap: dma 0x${dma.toString(16)} length ${length} is not mapped`,
      );
    }
    if (n === 1) this.live.delete(key);
    else this.live.set(key, n - 1);
    this.count--;
  }

  translate(dma: number, _length: number, _write: boolean): number | undefined {
    return dma;
  }

  get mappedCount(): number {
    return this.count;
  }
}
