import { PAGE_SIZE as PAGE_SIZEImport } from '@rdmalab/kernel';
import type { Iommu } from '@rdmalab/roce';
import { DmaDirection as DmaDirectionImport, DmaMappingError, VerbsError } from '@rdmalab/verbs';
import type { DmaFault } from './dma-fault.js';
import type { MapFailureInjector } from './map-failure-injector.js';

// Imported values used per packet, bound to module-local names once: under a module runner (vitest,
// where tests and fault sweeps run) every use of an imported binding is a getter call, which costs
// more than the operation and keeps the hot path from being inlined.
const PAGE_SIZE = PAGE_SIZEImport;
const DmaDirection = DmaDirectionImport;
type DmaDirection = DmaDirectionImport;

/** Start of the IOVA space: far above any simulated physical address, so a phys used as IOVA faults. */
export const STRICT_IOVA_BASE = 0x10_0000_0000;

export interface StrictIommuOptions {
  failures?: MapFailureInjector;
  /** Called for every faulting device access. */
  onFault?: (fault: DmaFault) => void;
  /** IOVA pages available (default 2^20 = 4 GiB of IOVA). Exhaustion fails map calls. */
  iovaPages?: number;
}

interface PageEntry {
  readonly physPage: number;
  readonly direction: DmaDirection;
}

interface Mapping {
  readonly length: number;
  readonly firstIovaPfn: number;
  readonly pages: number;
}

/**
 * An IOMMU in strict mode (intel_iommu=on iommu.strict=1): every map gets a fresh IOVA range, unmap
 * tears the translation down at once, and a device access to an address with no translation — or in a
 * direction the mapping does not allow — faults. IOVAs are never reused, so a stale DMA address always
 * faults rather than reaching a later mapping. Granularity is the page, as in hardware.
 */
export class StrictIommu implements Iommu {
  readonly #pages = new Map<number, PageEntry>();
  readonly #mappings = new Map<number, Mapping>();
  readonly #failures: MapFailureInjector | undefined;
  readonly #onFault: ((fault: DmaFault) => void) | undefined;
  readonly #iovaLimitPfn: number;
  #nextIovaPfn = STRICT_IOVA_BASE / PAGE_SIZE;

  constructor(options: StrictIommuOptions = {}) {
    this.#failures = options.failures;
    this.#onFault = options.onFault;
    const iovaPages = options.iovaPages ?? 1 << 20;
    if (!Number.isInteger(iovaPages) || iovaPages <= 0) {
      throw new VerbsError('EINVAL', `StrictIommu: iovaPages ${iovaPages} must be a positive integer`);
    }
    this.#iovaLimitPfn = this.#nextIovaPfn + iovaPages;
  }

  map(phys: number, length: number, direction: DmaDirection): number {
    checkRange('StrictIommu.map', phys, length);
    if (this.#failures?.nextMapFails()) {
      throw new DmaMappingError(
        `StrictIommu.map: injected failure mapping phys 0x${phys.toString(16)}+${length}`,
      );
    }
    const offset = phys % PAGE_SIZE;
    const firstPhysPage = phys - offset;
    const pages = Math.ceil((offset + length) / PAGE_SIZE);
    if (this.#nextIovaPfn + pages > this.#iovaLimitPfn) {
      throw new DmaMappingError(`StrictIommu.map: IOVA space exhausted mapping ${pages} page(s)`);
    }
    const firstIovaPfn = this.#nextIovaPfn;
    this.#nextIovaPfn += pages;
    for (let i = 0; i < pages; i++) {
      this.#pages.set(firstIovaPfn + i, { physPage: firstPhysPage + i * PAGE_SIZE, direction });
    }
    const dma = firstIovaPfn * PAGE_SIZE + offset;
    this.#mappings.set(dma, { length, firstIovaPfn, pages });
    return dma;
  }

  unmap(dma: number, length: number): void {
    const mapping = this.#mappings.get(dma);
    if (!mapping || mapping.length !== length) {
      throw new VerbsError(
        'EINVAL',
        `StrictIommu.unmap: dma 0x${dma.toString(16)} length ${length} is not a live mapping` +
          (mapping ? ` (it was mapped with length ${mapping.length})` : ''),
      );
    }
    this.#mappings.delete(dma);
    for (let i = 0; i < mapping.pages; i++) this.#pages.delete(mapping.firstIovaPfn + i);
  }

  translate(dma: number, length: number, write: boolean): number | undefined {
    const offset = dma % PAGE_SIZE;
    const firstPfn = (dma - offset) / PAGE_SIZE;
    const pages = Math.max(1, Math.ceil((offset + length) / PAGE_SIZE));
    const first = this.#pages.get(firstPfn);
    if (!first) return this.fault(dma, length, write, 'unmapped');
    for (let i = 0; i < pages; i++) {
      const entry = i === 0 ? first : this.#pages.get(firstPfn + i);
      if (!entry) return this.fault(dma, length, write, 'unmapped');
      if (!allows(entry.direction, write)) return this.fault(dma, length, write, 'direction');
      if (entry.physPage !== first.physPage + i * PAGE_SIZE)
        return this.fault(dma, length, write, 'discontiguous');
    }
    return first.physPage + offset;
  }

  get mappedCount(): number {
    return this.#mappings.size;
  }

  private fault(dma: number, length: number, write: boolean, reason: DmaFault['reason']): undefined {
    this.#onFault?.({ dma, length, write, reason, faulted: true });
    return undefined;
  }
}

/** A device read needs TO_DEVICE, a device write FROM_DEVICE; BIDIRECTIONAL allows both. */
function allows(direction: DmaDirection, write: boolean): boolean {
  if (direction === DmaDirection.BIDIRECTIONAL) return true;
  return write ? direction === DmaDirection.FROM_DEVICE : direction === DmaDirection.TO_DEVICE;
}

export function checkRange(where: string, phys: number, length: number): void {
  if (!Number.isSafeInteger(phys) || phys < 0) {
    throw new VerbsError('EINVAL', `${where}: phys ${phys} is not a non-negative integer`);
  }
  if (!Number.isSafeInteger(length) || length <= 0) {
    throw new VerbsError('EINVAL', `${where}: length ${length} must be a positive integer`);
  }
}
