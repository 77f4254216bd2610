import { PAGE_SIZE, type Page } from '@rdmalab/kernel';
import {
  AccessFlags,
  DmaDirection,
  type MemoryRegion,
  type RegisterMrOptions,
  VerbsError,
} from '@rdmalab/verbs';
import type { Iommu } from './iommu.js';
import type { MappedRegion, MrTable } from './mr-table.js';

const REMOTE_ACCESS = AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_READ | AccessFlags.REMOTE_ATOMIC;

/** What a region needs from its PD. */
export interface MrOwner {
  readonly pdId: number;
  readonly table: MrTable;
  readonly iommu: Iommu;
  /** Check a page belongs to the device's host memory and is allocated. */
  checkPage(page: Page, field: string): void;
  regionCreated(): void;
  regionDestroyed(): void;
}

/** A registered region over host pages (ibv_reg_mr): pages mapped through the IOMMU for its life. */
export class SoftMemoryRegion implements MemoryRegion, MappedRegion {
  readonly kind = 'user' as const;
  readonly key: number;
  readonly iova: number;
  readonly length: number;
  readonly access: AccessFlags;
  readonly firstOffset: number;
  readonly pageDma: readonly number[];
  private readonly index: number;
  private registered = true;

  constructor(
    private readonly owner: MrOwner,
    options: RegisterMrOptions,
  ) {
    const { pages, access } = options;
    if (!Array.isArray(pages) || pages.length === 0)
      throw new VerbsError('EINVAL', 'registerMr: pages is empty');
    const offset = options.offset ?? 0;
    if (!Number.isInteger(offset) || offset < 0 || offset >= PAGE_SIZE) {
      throw new VerbsError('EINVAL', `registerMr: offset ${offset} must be 0..${PAGE_SIZE - 1}`);
    }
    const span = pages.length * PAGE_SIZE - offset;
    const length = options.length ?? span;
    if (!Number.isInteger(length) || length <= 0 || length > span) {
      throw new VerbsError(
        'EINVAL',
        `registerMr: length ${length} must be 1..${span} for ${pages.length} pages at offset ${offset}`,
      );
    }
    if (
      (access & (AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_ATOMIC)) !== 0 &&
      (access & AccessFlags.LOCAL_WRITE) === 0
    ) {
      throw new VerbsError('EINVAL', 'registerMr: access REMOTE_WRITE / REMOTE_ATOMIC requires LOCAL_WRITE');
    }
    for (const [i, page] of pages.entries()) owner.checkPage(page, `pages[${i}]`);
    const { index, key } = owner.table.reserve();
    const mapped: number[] = [];
    try {
      for (const page of pages)
        mapped.push(owner.iommu.map(page.phys, PAGE_SIZE, DmaDirection.BIDIRECTIONAL));
    } catch (err) {
      for (const dma of mapped) owner.iommu.unmap(dma, PAGE_SIZE);
      owner.table.release(index);
      throw err;
    }
    this.index = index;
    this.key = key;
    this.iova = pages[0]!.phys + offset;
    this.length = length;
    this.access = access;
    this.firstOffset = offset;
    this.pageDma = mapped;
    owner.table.install(index, this);
    owner.regionCreated();
  }

  get pdId(): number {
    return this.owner.pdId;
  }

  get valid(): boolean {
    return this.registered;
  }

  get lkey(): number {
    return this.key;
  }

  /** rxe hands out rkey 0 unless remote access was asked for. */
  get rkey(): number {
    return (this.access & REMOTE_ACCESS) !== 0 ? this.key : 0;
  }

  deregister(): void {
    if (!this.registered)
      throw new VerbsError('EINVAL', `deregister: MR lkey 0x${this.key.toString(16)} already deregistered`);
    this.registered = false;
    for (const dma of this.pageDma) this.owner.iommu.unmap(dma, PAGE_SIZE);
    this.owner.table.release(this.index);
    this.owner.regionDestroyed();
  }
}
