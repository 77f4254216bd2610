import { PAGE_SIZE, type Page, type PhysicalMemory } from '@rdmalab/kernel';
import { type DmaAddress, DmaDirection, type DmaOps, VerbsError } from '@rdmalab/verbs';
import type { Iommu } from './iommu.js';

const DIRECTIONS: ReadonlySet<number> = new Set(Object.values(DmaDirection));

/** ib_dma_* over the device's IOMMU. Host memory is cache-coherent here, so the sync calls only validate. */
export class SoftDmaOps implements DmaOps {
  private live = 0;

  constructor(
    private readonly iommu: Iommu,
    private readonly memory: PhysicalMemory,
  ) {}

  mapPage(page: Page, offset: number, length: number, direction: DmaDirection): DmaAddress {
    if (this.memory.pageAt(page.phys) !== page) {
      throw new VerbsError('EINVAL', `mapPage: page pfn ${page.pfn} is not from ${this.memory.name}`);
    }
    if (
      !Number.isInteger(offset) ||
      offset < 0 ||
      !Number.isInteger(length) ||
      length <= 0 ||
      offset + length > PAGE_SIZE
    ) {
      throw new VerbsError('EINVAL', `mapPage: offset ${offset} + length ${length} must lie within one page`);
    }
    this.checkDirection('mapPage', direction);
    const dma = this.iommu.map(page.phys + offset, length, direction);
    this.live++;
    return dma;
  }

  unmapPage(address: DmaAddress, length: number, direction: DmaDirection): void {
    this.checkDirection('unmapPage', direction);
    this.iommu.unmap(address, length);
    this.live--;
  }

  syncForDevice(address: DmaAddress, length: number, direction: DmaDirection): void {
    this.checkSync('syncForDevice', address, length, direction);
  }

  syncForCpu(address: DmaAddress, length: number, direction: DmaDirection): void {
    this.checkSync('syncForCpu', address, length, direction);
  }

  get mappedCount(): number {
    return this.live;
  }

  private checkDirection(what: string, direction: number): void {
    if (!DIRECTIONS.has(direction))
      throw new VerbsError('EINVAL', `${what}: direction ${direction} is not a DmaDirection`);
  }

  private checkSync(what: string, address: number, length: number, direction: number): void {
    this.checkDirection(what, direction);
    if (!Number.isSafeInteger(address) || address < 0 || !Number.isInteger(length) || length < 0) {
      throw new VerbsError('EINVAL', `${what}: address ${address} / length ${length} invalid`);
    }
  }
}
