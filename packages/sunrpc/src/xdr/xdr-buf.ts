import type { Page } from '@rdmalab/kernel';
import { PAGE_SIZE } from '@rdmalab/kernel';
import { XdrError } from './errors.js';

/**
 * The page list carries the payload of a READ reply (file data the transport may place directly
 * into the caller's pages — an RDMA Write chunk). Linux include/linux/sunrpc/xdr.h XDRBUF_READ.
 */
export const XDRBUF_READ = 0x01;
/**
 * The page list carries the payload of a WRITE call (data the transport may let the peer pull
 * — an RDMA Read chunk). Linux include/linux/sunrpc/xdr.h XDRBUF_WRITE.
 */
export const XDRBUF_WRITE = 0x02;

/** A byte range inside a list of pages: byte `i` lives at `pages[(base + i) / PAGE_SIZE]`. */
export interface XdrPageRange {
  readonly pages: readonly Page[];
  /** Offset of the first byte from the start of `pages[0]` (may exceed PAGE_SIZE). */
  readonly base: number;
  readonly length: number;
}

export interface XdrBufInit {
  readonly head?: Uint8Array;
  readonly pages?: readonly Page[];
  readonly pageBase?: number;
  readonly pageLen?: number;
  readonly tail?: Uint8Array;
  readonly flags?: number;
}

const EMPTY = new Uint8Array(0);

/**
 * An XDR stream in three parts, shaped like the kernel's `struct xdr_buf`: `head` (the RPC header
 * and the inline part of the arguments or results), a page list (bulk payload that stays in the
 * caller's pages — the page cache — and is never copied by the encoder) and `tail` (what follows
 * the page data, starting with its XDR pad). The stream is head ‖ pages[base, base+pageLen) ‖ tail.
 * A transport may send the three parts separately (gather) or flatten them (`toBytes`).
 */
export class XdrBuf {
  readonly head: Uint8Array;
  readonly pages: readonly Page[];
  readonly pageBase: number;
  readonly pageLen: number;
  readonly tail: Uint8Array;
  /** XDRBUF_READ and/or XDRBUF_WRITE: what the page list carries, for transports that place it. */
  readonly flags: number;

  constructor(init: XdrBufInit = {}) {
    this.head = init.head ?? EMPTY;
    this.pages = init.pages ?? [];
    this.pageBase = init.pageBase ?? 0;
    this.pageLen = init.pageLen ?? 0;
    this.tail = init.tail ?? EMPTY;
    this.flags = init.flags ?? 0;
    checkPageRange('XdrBuf.pages', this.pages, this.pageBase, this.pageLen);
  }

  /** A buffer whose whole stream is `bytes` (no pages, no tail), e.g. a record read from TCP. */
  static fromBytes(bytes: Uint8Array, flags = 0): XdrBuf {
    return new XdrBuf({ head: bytes, flags });
  }

  /** Total stream length in bytes. */
  get length(): number {
    return this.head.length + this.pageLen + this.tail.length;
  }

  /** The page range as a value (for transports registering it as a chunk). */
  get pageRange(): XdrPageRange {
    return { pages: this.pages, base: this.pageBase, length: this.pageLen };
  }

  /**
   * The stream as contiguous views, in order: head, one view per page touched, tail. Empty parts
   * are left out. Views alias the underlying memory (nothing is copied).
   */
  segments(): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.head.length > 0) out.push(this.head);
    for (const view of pageViews(this.pages, this.pageBase, this.pageLen)) out.push(view);
    if (this.tail.length > 0) out.push(this.tail);
    return out;
  }

  /** The whole stream in one array. Returns `head` itself when there is nothing else. */
  toBytes(): Uint8Array {
    if (this.pageLen === 0 && this.tail.length === 0) return this.head;
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const seg of this.segments()) {
      out.set(seg, at);
      at += seg.length;
    }
    return out;
  }
}

/** EINVAL unless `pages` cover [base, base + length). */
export function checkPageRange(
  field: string,
  pages: readonly Page[],
  base: number,
  length: number,
  direction: 'decode' | 'encode' = 'encode',
): void {
  if (!Number.isInteger(base) || base < 0 || !Number.isInteger(length) || length < 0) {
    throw new XdrError('EINVAL', field, 0, `bad page range base=${base} length=${length}`, direction);
  }
  if (length > 0 && base + length > pages.length * PAGE_SIZE) {
    throw new XdrError(
      'EINVAL',
      field,
      0,
      `${pages.length} page(s) cannot hold ${length} bytes from base ${base}`,
      direction,
    );
  }
}

/** Contiguous views of [base, base + length) of a page list, one per page touched. */
export function pageViews(pages: readonly Page[], base: number, length: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = base;
  let left = length;
  while (left > 0) {
    const index = Math.floor(pos / PAGE_SIZE);
    const offset = pos - index * PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - offset, left);
    out.push(pages[index]!.bytes.subarray(offset, offset + n));
    pos += n;
    left -= n;
  }
  return out;
}
