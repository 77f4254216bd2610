import type { Page } from '@rdmalab/kernel';
import type { AccessFlags } from './constants/access-flags.js';
import type { DmaAddress } from './dma.js';

/**
 * A registered memory region (ibv_reg_mr). Its pages are pinned and mapped for the region's life.
 * Local SGEs address it by `lkey` and an address inside [iova, iova + length); a peer addresses it by
 * `rkey` in RETH / RPC-over-RDMA segments.
 */
export interface MemoryRegion {
  readonly lkey: number;
  readonly rkey: number;
  /** First I/O virtual address covered. */
  readonly iova: number;
  readonly length: number;
  readonly access: AccessFlags;
  /** ibv_dereg_mr. EBUSY if a memory window is bound (not modelled) ; idempotent misuse → EINVAL. */
  deregister(): void;
}

/** Options for registering host pages as one region. */
export interface RegisterMrOptions {
  pages: readonly Page[];
  /** Offset into the first page where the region starts (default 0). */
  offset?: number;
  /** Region length in bytes (default: all pages minus offset). */
  length?: number;
  access: AccessFlags;
}

/** Lifecycle of a fast-registration MR: posted REG_MR makes it VALID; LOCAL_INV / SEND_WITH_INV invalidates. */
export type FastRegState = 'FREE' | 'VALID' | 'INVALID';

/**
 * A fast-registration MR (ib_alloc_mr(IB_MR_TYPE_MEM_REG)). The ULP sets its page list with `mapSg`
 * (ib_map_mr_sg), posts a REG_MR WR to make it valid with an access mask, advertises `rkey`, and later
 * invalidates it with LOCAL_INV — or the peer does, with SEND_WITH_INV.
 */
export interface FastRegMr {
  readonly lkey: number;
  /** Current key: the index part and the 8-bit variant that `updateKey` changes. */
  readonly rkey: number;
  readonly maxPages: number;
  readonly state: FastRegState;
  /** The region described by the last mapSg: iova and length. */
  readonly iova: number;
  readonly length: number;
  /**
   * ib_map_mr_sg: take DMA-mapped pages (addresses from DmaOps.mapPage, each page-aligned except the
   * first's `firstOffset`) as this MR's page list. Returns the number of pages used; EINVAL when more
   * than maxPages or when the MR is VALID (must be invalidated first).
   */
  mapSg(pageAddresses: readonly DmaAddress[], firstOffset: number, length: number): number;
  /** ib_update_fast_reg_key: change the low 8 bits of lkey/rkey so stale rkeys stop working. */
  updateKey(variant: number): void;
  /** ib_dereg_mr. */
  deregister(): void;
}
