import { PAGE_SIZE } from '@rdmalab/kernel';
import { AccessFlags, type DmaAddress, type FastRegMr, type FastRegState, VerbsError } from '@rdmalab/verbs';
import type { MrOwner } from './memory-region.js';
import { keyIndex, type MappedRegion } from './mr-table.js';

/**
 * A fast-registration MR (ib_alloc_mr MEM_REG): the ULP maps DMA pages into it, a REG_MR WR makes it
 * VALID under a key and access mask, LOCAL_INV or a peer's SEND_WITH_INV makes it INVALID again.
 */
export class SoftFastRegMr implements FastRegMr, MappedRegion {
  readonly kind = 'fast' as const;
  private currentKey: number;
  private currentState: FastRegState = 'FREE';
  private currentAccess: AccessFlags = AccessFlags.NONE;
  private pages: number[] = [];
  private offset = 0;
  private regionIova = 0;
  private regionLength = 0;
  private readonly index: number;
  private registered = true;

  constructor(
    private readonly owner: MrOwner,
    readonly maxPages: number,
  ) {
    const { index, key } = owner.table.reserve();
    this.index = index;
    this.currentKey = key;
    owner.table.install(index, this);
    owner.regionCreated();
  }

  get pdId(): number {
    return this.owner.pdId;
  }
  get key(): number {
    return this.currentKey;
  }
  get lkey(): number {
    return this.currentKey;
  }
  get rkey(): number {
    return this.currentKey;
  }
  get state(): FastRegState {
    return this.currentState;
  }
  get valid(): boolean {
    return this.registered && this.currentState === 'VALID';
  }
  get iova(): number {
    return this.regionIova;
  }
  get length(): number {
    return this.regionLength;
  }
  get access(): AccessFlags {
    return this.currentAccess;
  }
  get firstOffset(): number {
    return this.offset;
  }
  get pageDma(): readonly number[] {
    return this.pages;
  }

  private checkUsable(what: string): void {
    if (!this.registered)
      throw new VerbsError(
        'EINVAL',
        `${what}: fast-reg MR 0x${this.currentKey.toString(16)} was deregistered`,
      );
  }

  mapSg(pageAddresses: readonly DmaAddress[], firstOffset: number, length: number): number {
    this.checkUsable('mapSg');
    if (this.currentState === 'VALID')
      throw new VerbsError('EINVAL', 'mapSg: MR is VALID; invalidate it first');
    if (pageAddresses.length === 0 || pageAddresses.length > this.maxPages) {
      throw new VerbsError('EINVAL', `mapSg: ${pageAddresses.length} pages, MR holds 1..${this.maxPages}`);
    }
    if (!Number.isInteger(firstOffset) || firstOffset < 0 || firstOffset >= PAGE_SIZE) {
      throw new VerbsError('EINVAL', `mapSg: firstOffset ${firstOffset} must be 0..${PAGE_SIZE - 1}`);
    }
    const span = pageAddresses.length * PAGE_SIZE - firstOffset;
    if (!Number.isInteger(length) || length <= 0 || length > span) {
      throw new VerbsError('EINVAL', `mapSg: length ${length} must be 1..${span}`);
    }
    const pages: number[] = [];
    for (let i = 0; i < pageAddresses.length; i++) {
      const addr = pageAddresses[i]!;
      const inPage = addr % PAGE_SIZE;
      // The first address may carry the offset itself (sg_dma_address of the first element).
      if (!Number.isSafeInteger(addr) || addr < 0 || (inPage !== 0 && !(i === 0 && inPage === firstOffset))) {
        throw new VerbsError(
          'EINVAL',
          `mapSg: pageAddresses[${i}] 0x${addr.toString(16)} is not page-aligned`,
        );
      }
      pages.push(addr - inPage);
    }
    this.pages = pages;
    this.offset = firstOffset;
    this.regionIova = pages[0]! + firstOffset;
    this.regionLength = length;
    return pages.length;
  }

  updateKey(variant: number): void {
    this.checkUsable('updateKey');
    if (!Number.isInteger(variant) || variant < 0 || variant > 0xff) {
      throw new VerbsError('EINVAL', `updateKey: variant ${variant} must be 0..255`);
    }
    if (this.currentState === 'VALID')
      throw new VerbsError('EINVAL', 'updateKey: MR is VALID; invalidate it first');
    this.currentKey = ((this.index << 8) | variant) >>> 0;
  }

  /** REG_MR work request reached the head of the Send Queue. False = LOC_QP_OP_ERR. */
  register(key: number, access: AccessFlags): boolean {
    if (
      !this.registered ||
      this.currentState === 'VALID' ||
      keyIndex(key) !== this.index ||
      this.pages.length === 0
    ) {
      return false;
    }
    if (
      (access & (AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_ATOMIC)) !== 0 &&
      (access & AccessFlags.LOCAL_WRITE) === 0
    ) {
      return false;
    }
    this.currentKey = key >>> 0;
    this.currentAccess = access;
    this.currentState = 'VALID';
    return true;
  }

  /** LOCAL_INV or SEND_WITH_INV with the current key. False when the key or state does not allow it. */
  invalidate(key: number): boolean {
    if (!this.registered || key >>> 0 !== this.currentKey || this.currentState !== 'VALID') return false;
    this.currentState = 'INVALID';
    return true;
  }

  deregister(): void {
    this.checkUsable('deregister');
    this.registered = false;
    this.currentState = 'INVALID';
    this.owner.table.release(this.index);
    this.owner.regionDestroyed();
  }
}
