import type { Page } from '@rdmalab/kernel';
import {
  type CreateQpOptions,
  type FastRegMr,
  type MemoryRegion,
  type ProtectionDomain,
  type QueuePair,
  type RegisterMrOptions,
  VerbsError,
} from '@rdmalab/verbs';
import { SoftCompletionQueue } from './completion-queue.js';
import { SoftFastRegMr } from './fast-reg-mr.js';
import type { Iommu } from './iommu.js';
import { type MrOwner, SoftMemoryRegion } from './memory-region.js';
import { LOCAL_DMA_LKEY, type MrTable } from './mr-table.js';
import { QpMemory } from './qp-memory.js';
import type { QpHost, SoftQueuePair } from './queue-pair.js';

/** What a PD needs from its device. */
export interface PdHost {
  readonly table: MrTable;
  readonly iommu: Iommu;
  readonly maxFastRegPageListLen: number;
  checkPage(page: Page, field: string): void;
  createQp(pd: SoftProtectionDomain, options: CreateQpOptions, memory: QpMemory): SoftQueuePair;
  pdDeallocated(pd: SoftProtectionDomain): void;
  readonly qpHost: QpHost;
}

/** A protection domain: MRs and QPs of one PD only see each other (checked on every key lookup). */
export class SoftProtectionDomain implements ProtectionDomain, MrOwner {
  readonly localDmaLkey = LOCAL_DMA_LKEY;
  private regions = 0;
  private qps = 0;
  private deallocated = false;

  constructor(
    private readonly host: PdHost,
    readonly pdId: number,
  ) {}

  get table(): MrTable {
    return this.host.table;
  }
  get iommu(): Iommu {
    return this.host.iommu;
  }
  checkPage(page: Page, field: string): void {
    this.host.checkPage(page, field);
  }
  regionCreated(): void {
    this.regions++;
  }
  regionDestroyed(): void {
    this.regions--;
  }

  registerMr(options: RegisterMrOptions): MemoryRegion {
    this.checkAlive('registerMr');
    return new SoftMemoryRegion(this, options);
  }

  allocFastRegMr(maxPages: number): FastRegMr {
    this.checkAlive('allocFastRegMr');
    const limit = this.host.maxFastRegPageListLen;
    if (!Number.isInteger(maxPages) || maxPages < 1 || maxPages > limit) {
      throw new VerbsError('EINVAL', `allocFastRegMr: maxPages ${maxPages} must be 1..${limit}`);
    }
    return new SoftFastRegMr(this, maxPages);
  }

  createQp(options: CreateQpOptions): QueuePair {
    this.checkAlive('createQp');
    if (
      !(options.sendCq instanceof SoftCompletionQueue) ||
      !(options.recvCq instanceof SoftCompletionQueue)
    ) {
      throw new VerbsError('EINVAL', 'createQp: sendCq and recvCq must be CQs of this device');
    }
    const qp = this.host.createQp(
      this,
      options,
      new QpMemory(this.host.table, this.pdId, this.host.iommu, this.host.qpHost.hostMemory),
    );
    this.qps++;
    return qp;
  }

  qpDestroyed(): void {
    this.qps--;
  }

  dealloc(): void {
    this.checkAlive('dealloc');
    if (this.regions > 0 || this.qps > 0) {
      throw new VerbsError('EBUSY', `dealloc PD: ${this.regions} MR(s) and ${this.qps} QP(s) still use it`);
    }
    this.deallocated = true;
    this.host.pdDeallocated(this);
  }

  private checkAlive(what: string): void {
    if (this.deallocated) throw new VerbsError('EINVAL', `${what}: PD was deallocated`);
  }
}
