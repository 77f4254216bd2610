import { type AccessFlags, VerbsError } from '@rdmalab/verbs';

/**
 * The lkey meaning "addr is a DMA address" (pd->local_dma_lkey). Index 0 of the MR table is reserved
 * for it, so no registered region ever has this key, and no rkey lookup can reach it.
 */
export const LOCAL_DMA_LKEY = 0;

/** What the data path needs to know about a registered or fast-registered region. */
export interface MappedRegion {
  readonly pdId: number;
  readonly kind: 'user' | 'fast';
  /** Current key; lkey and rkey are the same number, as in rxe. */
  readonly key: number;
  /** Usable: registered (user) or VALID after REG_MR (fast). */
  readonly valid: boolean;
  readonly iova: number;
  readonly length: number;
  readonly access: AccessFlags;
  /** Offset of iova inside the first page. */
  readonly firstOffset: number;
  /** DMA address of each page of the region, in order. */
  readonly pageDma: readonly number[];
}

/** Memory keys as rxe makes them: index << 8 | 8-bit variant (rxe_mr.c rxe_mr_init). */
export function keyIndex(key: number): number {
  return key >>> 8;
}

/**
 * The device's MR table. Indices are reused most-recently-freed first; each allocation takes a new
 * variant byte, so a stale key for a reused index does not match.
 */
export class MrTable {
  private readonly entries: (MappedRegion | undefined)[] = [undefined];
  private readonly freeIndices: number[] = [];
  private variantSeq = 0;
  private live = 0;

  constructor(private readonly maxMr: number) {}

  get count(): number {
    return this.live;
  }

  /** Reserve an index and a first key for a new region. ENOMEM past maxMr. */
  reserve(): { index: number; key: number } {
    if (this.live >= this.maxMr) {
      throw new VerbsError('ENOMEM', `MR table: maxMr ${this.maxMr} regions already registered`);
    }
    const index = this.freeIndices.pop() ?? this.entries.length;
    if (index === this.entries.length) this.entries.push(undefined);
    this.variantSeq = (this.variantSeq + 1) & 0xff;
    this.live++;
    return { index, key: ((index << 8) | this.variantSeq) >>> 0 };
  }

  install(index: number, region: MappedRegion): void {
    this.entries[index] = region;
  }

  release(index: number): void {
    if (this.entries[index] === undefined) return;
    this.entries[index] = undefined;
    this.freeIndices.push(index);
    this.live--;
  }

  /** The region a key names, only if the key (including its variant) is current. */
  lookup(key: number): MappedRegion | undefined {
    const region = this.entries[keyIndex(key)];
    return region !== undefined && region.key === key ? region : undefined;
  }

  byIndex(index: number): MappedRegion | undefined {
    return this.entries[index];
  }
}
