import { createHash } from 'node:crypto';
import { PAGE_SIZE, type Page, type PhysicalMemory } from '@rdmalab/kernel';
import type { AccessFlags, MemoryRegion, ProtectionDomain, Sge } from '@rdmalab/verbs';
import { RxeError } from '../errors.js';

/** Host pages registered as one MR, with CPU-side reads, writes and a SHA-256 over a range. */
export class PageBuffer {
  readonly length: number;

  private constructor(
    private readonly memory: PhysicalMemory,
    readonly pages: readonly Page[],
    readonly mr: MemoryRegion,
  ) {
    this.length = pages.length * PAGE_SIZE;
  }

  static register(
    memory: PhysicalMemory,
    pd: ProtectionDomain,
    bytes: number,
    access: AccessFlags,
    owner: string,
  ) {
    const pages = memory.allocPages(Math.max(1, Math.ceil(bytes / PAGE_SIZE)), owner);
    return new PageBuffer(memory, pages, pd.registerMr({ pages, access }));
  }

  sge(offset: number, length: number): Sge {
    this.#check(offset, length);
    return { addr: this.mr.iova + offset, length, lkey: this.mr.lkey };
  }

  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.#walk(offset, length, (bytes, pos) => out.set(bytes, pos));
    return out;
  }

  write(offset: number, data: Uint8Array): void {
    this.#walk(offset, data.length, (bytes, pos) => bytes.set(data.subarray(pos, pos + bytes.length)));
  }

  sha256(offset: number, length: number): Uint8Array {
    const hash = createHash('sha256');
    this.#walk(offset, length, (bytes) => hash.update(bytes));
    return new Uint8Array(hash.digest());
  }

  /** Deregister the MR and free the pages. */
  release(): void {
    this.mr.deregister();
    for (const page of this.pages) this.memory.free(page);
  }

  #check(offset: number, length: number): void {
    if (
      !Number.isInteger(offset) ||
      !Number.isInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > this.length
    )
      throw new RxeError(
        'EINVAL',
        `buffer range [${offset}, ${offset + length}) is outside its ${this.length} bytes`,
      );
  }

  #walk(offset: number, length: number, visit: (bytes: Uint8Array, pos: number) => void): void {
    this.#check(offset, length);
    let pos = 0;
    while (pos < length) {
      const at = (offset + pos) % PAGE_SIZE;
      const page = this.pages[Math.floor((offset + pos) / PAGE_SIZE)]!;
      const n = Math.min(PAGE_SIZE - at, length - pos);
      visit(page.bytes.subarray(at, at + n), pos);
      pos += n;
    }
  }
}

/** Deterministic bytes that depend on seed and absolute offset, so a misplaced chunk shows. */
export function patternBytes(seed: number, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const x = offset + i;
    out[i] = (x * 131 + seed * 29 + (x >>> 9) * 7 + (x >>> 17)) & 0xff;
  }
  return out;
}
