import type { InjectionToken } from 'tsyringe';
import { MemoryError } from './errors.js';
import { PAGE_SIZE, type Page, PageFrame } from './page.js';

export interface PhysicalMemoryOptions {
  /** Number of 4 KiB pages. */
  totalPages: number;
  /** Pages per ArrayBuffer slab (default 256 = 1 MiB). */
  slabPages?: number;
  /** Physical address of page 0, page aligned (default 0x100000). */
  basePhys?: number;
  /** Shown in errors and traces (default 'mem'). */
  name?: string;
}

const DEFAULT_SLAB_PAGES = 256;
const DEFAULT_BASE_PHYS = 0x100000;

/**
 * A host's physical memory: pages carved from ArrayBuffer slabs, each with a physical address and
 * an owner tag. The allocator hands out the most recently freed page first (LIFO), so a stale
 * reference to a freed page sees the next owner's data at once. Page contents are not cleared on
 * alloc or free (like alloc_page without __GFP_ZERO).
 */
export class PhysicalMemory {
  readonly name: string;
  readonly totalPages: number;
  readonly basePhys: number;
  private readonly frames: PageFrame[] = [];
  /** Stack of free page indices; the top is the next page handed out. */
  private readonly freeStack: Int32Array;
  private freeTop: number;

  constructor(options: PhysicalMemoryOptions) {
    const { totalPages, slabPages = DEFAULT_SLAB_PAGES, basePhys = DEFAULT_BASE_PHYS } = options;
    this.name = options.name ?? 'mem';
    if (!Number.isInteger(totalPages) || totalPages < 1 || totalPages > 0x7fffffff) {
      throw new MemoryError('EINVAL', `${this.name}: totalPages must be an integer >= 1, got ${totalPages}`);
    }
    if (!Number.isInteger(slabPages) || slabPages < 1) {
      throw new MemoryError('EINVAL', `${this.name}: slabPages must be an integer >= 1, got ${slabPages}`);
    }
    if (!Number.isSafeInteger(basePhys) || basePhys < 0 || basePhys % PAGE_SIZE !== 0) {
      throw new MemoryError(
        'EINVAL',
        `${this.name}: basePhys must be a page-aligned address >= 0, got 0x${basePhys.toString(16)}`,
      );
    }
    if (!Number.isSafeInteger(basePhys + totalPages * PAGE_SIZE)) {
      throw new MemoryError('EINVAL', `${this.name}: basePhys + totalPages * PAGE_SIZE exceeds 2^53`);
    }
    this.totalPages = totalPages;
    this.basePhys = basePhys;
    const basePfn = basePhys / PAGE_SIZE;
    for (let first = 0; first < totalPages; first += slabPages) {
      const count = Math.min(slabPages, totalPages - first);
      const slab = new ArrayBuffer(count * PAGE_SIZE);
      for (let i = 0; i < count; i++) {
        const index = first + i;
        const frame = new PageFrame(
          basePfn + index,
          basePhys + index * PAGE_SIZE,
          new Uint8Array(slab, i * PAGE_SIZE, PAGE_SIZE),
        );
        this.frames.push(frame);
      }
    }
    // Lowest address on top, so a fresh memory hands out pages in address order.
    this.freeStack = new Int32Array(totalPages);
    for (let i = 0; i < totalPages; i++) this.freeStack[i] = totalPages - 1 - i;
    this.freeTop = totalPages;
  }

  get freePages(): number {
    return this.freeTop;
  }

  get allocatedPages(): number {
    return this.totalPages - this.freeTop;
  }

  /** Allocate one page tagged with owner; the most recently freed page comes first. */
  alloc(owner: string): Page {
    checkOwner(owner);
    if (this.freeTop === 0) {
      throw new MemoryError(
        'ENOMEM',
        `${this.name}: all ${this.totalPages} pages allocated (owner ${owner})`,
      );
    }
    const frame = this.frames[this.freeStack[--this.freeTop]!]!;
    frame.allocated = true;
    frame.owner = owner;
    frame.generation++;
    return frame;
  }

  /** Allocate count pages, all or none. */
  allocPages(count: number, owner: string): Page[] {
    if (!Number.isInteger(count) || count < 0) {
      throw new MemoryError('EINVAL', `${this.name}: count must be an integer >= 0, got ${count}`);
    }
    checkOwner(owner);
    if (count > this.freeTop) {
      throw new MemoryError(
        'ENOMEM',
        `${this.name}: ${count} pages asked for, ${this.freeTop} free (owner ${owner})`,
      );
    }
    const pages: Page[] = [];
    for (let i = 0; i < count; i++) pages.push(this.alloc(owner));
    return pages;
  }

  /** Return a page; EDOUBLEFREE if already free, EFOREIGN if it is not from this memory. */
  free(page: Page): void {
    const frame = this.own(page, 'free');
    if (!frame.allocated) {
      throw new MemoryError(
        'EDOUBLEFREE',
        `${this.name}: page pfn 0x${frame.pfn.toString(16)} (phys 0x${frame.phys.toString(16)}) is already free`,
      );
    }
    frame.allocated = false;
    frame.owner = null;
    this.freeStack[this.freeTop++] = frame.pfn - this.basePhys / PAGE_SIZE;
  }

  /** Change the owner tag of an allocated page (EINVAL if free). */
  setOwner(page: Page, owner: string): void {
    checkOwner(owner);
    const frame = this.own(page, 'setOwner');
    if (!frame.allocated) {
      throw new MemoryError('EINVAL', `${this.name}: setOwner on free page pfn 0x${frame.pfn.toString(16)}`);
    }
    frame.owner = owner;
  }

  /** The page holding physical address phys; undefined when outside memory. */
  pageAt(phys: number): Page | undefined {
    if (!Number.isInteger(phys)) return undefined;
    const index = Math.floor((phys - this.basePhys) / PAGE_SIZE);
    return index >= 0 && index < this.totalPages ? this.frames[index] : undefined;
  }

  /**
   * Copy length bytes from physical address phys (may cross pages) into dst (or a new array).
   * Free pages are readable too: physical memory is always there.
   */
  read(phys: number, length: number, dst?: Uint8Array): Uint8Array {
    if (!Number.isInteger(length) || length < 0) {
      throw new MemoryError('EINVAL', `${this.name}: read length must be an integer >= 0, got ${length}`);
    }
    const out = dst ?? new Uint8Array(length);
    if (out.length < length) {
      throw new MemoryError('EINVAL', `${this.name}: dst holds ${out.length} bytes, read needs ${length}`);
    }
    this.checkRange('read', phys, length);
    let done = 0;
    while (done < length) {
      const offset = phys + done - this.basePhys;
      const frame = this.frames[Math.floor(offset / PAGE_SIZE)]!;
      const inPage = offset % PAGE_SIZE;
      const chunk = Math.min(length - done, PAGE_SIZE - inPage);
      out.set(frame.bytes.subarray(inPage, inPage + chunk), done);
      done += chunk;
    }
    return out;
  }

  /** Copy src to physical address phys (may cross pages); EFAULT if any byte is outside memory. */
  write(phys: number, src: Uint8Array): void {
    if (!(src instanceof Uint8Array)) {
      throw new MemoryError('EINVAL', `${this.name}: write src must be a Uint8Array`);
    }
    this.checkRange('write', phys, src.length);
    let done = 0;
    while (done < src.length) {
      const offset = phys + done - this.basePhys;
      const frame = this.frames[Math.floor(offset / PAGE_SIZE)]!;
      const inPage = offset % PAGE_SIZE;
      const chunk = Math.min(src.length - done, PAGE_SIZE - inPage);
      frame.bytes.set(src.subarray(done, done + chunk), inPage);
      done += chunk;
    }
  }

  private checkRange(op: string, phys: number, length: number): void {
    const end = this.basePhys + this.totalPages * PAGE_SIZE;
    if (!Number.isInteger(phys) || phys < this.basePhys || phys + length > end) {
      throw new MemoryError(
        'EFAULT',
        `${this.name}: ${op} of ${length} bytes at phys 0x${Number(phys).toString(16)} is outside ` +
          `[0x${this.basePhys.toString(16)}, 0x${end.toString(16)})`,
      );
    }
  }

  private own(page: Page, op: string): PageFrame {
    const index = page?.pfn - this.basePhys / PAGE_SIZE;
    const frame = Number.isInteger(index) ? this.frames[index] : undefined;
    if (frame === undefined || frame !== page) {
      throw new MemoryError(
        'EFOREIGN',
        `${this.name}: ${op} of page pfn 0x${Number(page?.pfn).toString(16)} not from this memory`,
      );
    }
    return frame;
  }
}

function checkOwner(owner: string): void {
  if (typeof owner !== 'string' || owner.length === 0) {
    throw new MemoryError('EINVAL', `owner must be a non-empty string, got ${String(owner)}`);
  }
}

/** The host's physical memory; one per host (child container) under registerKernel. */
export const PHYSICAL_MEMORY: InjectionToken<PhysicalMemory> = Symbol('rdmalab.kernel.PhysicalMemory');
