import { PAGE_SIZE as PAGE_SIZEImport, type PhysicalMemory } from '@rdmalab/kernel';
import type { Iommu } from '@rdmalab/roce';
import { type DmaDirection, DmaMappingError, VerbsError } from '@rdmalab/verbs';
import type { DmaFault } from './dma-fault.js';
import type { MapFailureInjector } from './map-failure-injector.js';
import { checkRange } from './strict-iommu.js';

// Imported values used per packet, bound to module-local names once: under a module runner (vitest,
// where tests and fault sweeps run) every use of an imported binding is a getter call, which costs
// more than the operation and keeps the hot path from being inlined.
const PAGE_SIZE = PAGE_SIZEImport;

export interface PassthroughIommuOptions {
  failures?: MapFailureInjector;
  /**
   * Called for every device access that reaches a page with no live mapping: it succeeds (there is no
   * IOMMU to stop it) but it is exactly the access a strict IOMMU would have faulted.
   */
  onStaleAccess?: (access: DmaFault) => void;
  /** Host memory, to name the owner of the page a stale access reached. */
  memory?: PhysicalMemory;
}

/**
 * No translation (iommu=pt, or a software device): the DMA address is the physical address. Map and
 * unmap only keep books; after unmap the device still reaches the page and reads whatever lives there
 * now — the freed buffer's next owner's bytes.
 */
export class PassthroughIommu implements Iommu {
  /** `${dma}:${length}` → live mappings of that exact range. */
  readonly #ranges = new Map<string, number>();
  /** physical page address → live mappings covering it. */
  readonly #pageRefs = new Map<number, number>();
  readonly #failures: MapFailureInjector | undefined;
  readonly #onStale: ((access: DmaFault) => void) | undefined;
  readonly #memory: PhysicalMemory | undefined;
  #count = 0;

  constructor(options: PassthroughIommuOptions = {}) {
    this.#failures = options.failures;
    this.#onStale = options.onStaleAccess;
    this.#memory = options.memory;
  }

  map(phys: number, length: number, _direction: DmaDirection): number {
    checkRange('PassthroughIommu.map', phys, length);
    if (this.#failures?.nextMapFails()) {
      throw new DmaMappingError(
        `PassthroughIommu.map: injected failure mapping phys 0x${phys.toString(16)}+${length}`,
      );
    }
    const key = `${phys}:${length}`;
    this.#ranges.set(key, (this.#ranges.get(key) ?? 0) + 1);
    forEachPage(phys, length, (page) => this.#pageRefs.set(page, (this.#pageRefs.get(page) ?? 0) + 1));
    this.#count++;
    return phys;
  }

  unmap(dma: number, length: number): void {
    const key = `${dma}:${length}`;
    const n = this.#ranges.get(key);
    if (n === undefined) {
      throw new VerbsError(
        'EINVAL',
        `PassthroughIommu.unmap: dma 0x${dma.toString(16)} length ${length} is not a live mapping`,
      );
    }
    if (n === 1) this.#ranges.delete(key);
    else this.#ranges.set(key, n - 1);
    forEachPage(dma, length, (page) => {
      const refs = this.#pageRefs.get(page)! - 1;
      if (refs === 0) this.#pageRefs.delete(page);
      else this.#pageRefs.set(page, refs);
    });
    this.#count--;
  }

  translate(dma: number, length: number, write: boolean): number | undefined {
    if (this.#onStale && !this.coversMapped(dma, Math.max(1, length))) {
      const owner = this.#memory?.pageAt(dma)?.owner;
      this.#onStale({
        dma,
        length,
        write,
        reason: 'unmapped',
        faulted: false,
        ...(owner !== undefined && { owner }),
      });
    }
    return dma;
  }

  /** Whether every page of [address, address+length) has a live mapping (per access: no closure). */
  private coversMapped(address: number, length: number): boolean {
    const end = address + length;
    for (let page = address - (address % PAGE_SIZE); page < end; page += PAGE_SIZE) {
      if (!this.#pageRefs.has(page)) return false;
    }
    return true;
  }

  get mappedCount(): number {
    return this.#count;
  }
}

function forEachPage(address: number, length: number, fn: (pageAddress: number) => void): void {
  const first = address - (address % PAGE_SIZE);
  for (let page = first; page < address + length; page += PAGE_SIZE) fn(page);
}
