/** Bytes per page, as on x86-64 and most arm64 kernels. */
export const PAGE_SIZE = 4096;

/** One physical page frame: a fixed view into a slab, plus who owns it right now. */
export interface Page {
  /** Page frame number: phys / PAGE_SIZE. */
  readonly pfn: number;
  /** Physical address of the first byte (memory base + index * PAGE_SIZE). */
  readonly phys: number;
  /** PAGE_SIZE bytes; the same view for the page's whole life, across alloc/free. */
  readonly bytes: Uint8Array;
  /** Owner tag while allocated, null when free. */
  readonly owner: string | null;
  readonly allocated: boolean;
  /** Bumps on every alloc, so a holder can tell its page was freed and reused. */
  readonly generation: number;
}

/** @internal the mutable frame behind Page; only PhysicalMemory writes its fields. */
export class PageFrame implements Page {
  owner: string | null = null;
  allocated = false;
  generation = 0;
  constructor(
    readonly pfn: number,
    readonly phys: number,
    readonly bytes: Uint8Array,
  ) {}
}
