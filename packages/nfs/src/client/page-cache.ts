import type { Page, PhysicalMemory } from '@rdmalab/kernel';

/** What a cached page holds, like the kernel's page flags (uptodate, dirty, writeback, unstable). */
export type PageState =
  /** Being filled by a READ: not readable yet, not evictable. */
  | 'reading'
  /** Same bytes as the server: evictable. */
  | 'clean'
  /** Changed here, not yet sent. */
  | 'dirty'
  /** A WRITE carrying it is in flight. */
  | 'writeback'
  /** Sent with an UNSTABLE WRITE; needs a COMMIT with the same verifier before it is clean. */
  | 'unstable';

/** One page of one file in the cache (the kernel's struct page in an address_space). */
export interface CachedPage {
  readonly owner: PageOwner;
  /** File offset / PAGE_SIZE. */
  readonly index: number;
  readonly page: Page;
  state: PageState;
  /** Bumped by every write into the page, so writeback can tell whether it was redirtied. */
  dirtyGen: number;
  /** Write verifier of the UNSTABLE WRITE that sent it. */
  verf: Uint8Array | undefined;
}

/** A file whose pages live in the cache. */
export interface PageOwner {
  readonly name: string;
  /** Forget a page the cache evicted (it was clean). */
  dropPage(p: CachedPage): void;
  /** Write back and commit every dirty and unstable page (makes pages clean, hence evictable). */
  writeback(): Promise<void>;
  readonly hasDirty: boolean;
}

export interface PageCacheStats {
  readonly pages: number;
  readonly limit: number;
  readonly evictions: number;
  readonly hits: number;
  readonly misses: number;
}

/**
 * The client's page cache: pages come from a kernel PhysicalMemory (so a freed page is the next
 * one handed out, LIFO, as in the kernel) and stay cached up to `limit` pages. When the cache is
 * full, the least recently used clean page is evicted and freed; if none is clean, dirty files
 * are written back first (the kernel's writeback under memory pressure).
 */
export class PageCache {
  readonly memory: PhysicalMemory;
  readonly limit: number;
  /** Every cached page, least recently used first (a Map keeps insertion order). */
  private readonly lru = new Map<CachedPage, true>();
  private readonly owners = new Set<PageOwner>();
  private evictions = 0;
  hits = 0;
  misses = 0;

  constructor(memory: PhysicalMemory, limitPages: number) {
    this.memory = memory;
    this.limit = Math.max(1, Math.min(limitPages, memory.totalPages));
  }

  get size(): number {
    return this.lru.size;
  }

  get stats(): PageCacheStats {
    return {
      pages: this.lru.size,
      limit: this.limit,
      evictions: this.evictions,
      hits: this.hits,
      misses: this.misses,
    };
  }

  register(owner: PageOwner): void {
    this.owners.add(owner);
  }

  unregister(owner: PageOwner): void {
    this.owners.delete(owner);
  }

  /** A new page for `owner` at `index`, evicting (and writing back) as needed to stay under the limit. */
  async allocate(owner: PageOwner, index: number, state: PageState): Promise<CachedPage> {
    for (let round = 0; this.lru.size >= this.limit || this.memory.freePages === 0; round++) {
      if (this.evictOne()) continue;
      // Nothing clean: write back dirty owners, oldest first, then try again.
      const dirty = [...this.owners].filter((o) => o.hasDirty);
      if (dirty.length === 0 || round > 64) {
        // Every page is being read or written right now; wait for one of those to finish.
        await new Promise((resolve) => setImmediate(resolve));
        if (round > 10_000) throw new Error('page cache: no page became free');
        continue;
      }
      await dirty[0]!.writeback();
    }
    const page = this.memory.alloc(`nfs:${owner.name}#${index}`);
    const cp: CachedPage = { owner, index, page, state, dirtyGen: 0, verf: undefined };
    this.lru.set(cp, true);
    return cp;
  }

  /** Mark recently used. */
  touch(p: CachedPage): void {
    this.lru.delete(p);
    this.lru.set(p, true);
  }

  /** Free a page the owner no longer holds (truncate, invalidate, a failed READ). */
  release(p: CachedPage): void {
    if (!this.lru.delete(p)) return;
    this.memory.free(p.page);
  }

  private evictOne(): boolean {
    for (const p of this.lru.keys()) {
      if (p.state !== 'clean') continue;
      this.lru.delete(p);
      p.owner.dropPage(p);
      this.memory.free(p.page);
      this.evictions++;
      return true;
    }
    return false;
  }
}
