import type { Page } from '@rdmalab/kernel';
import { PAGE_SIZE } from '@rdmalab/kernel';
import { XdrError } from './errors.js';
import { pageViews, XdrBuf, type XdrPageRange } from './xdr-buf.js';

const TWO_32 = 2 ** 32;
const PAD = [0, 3, 2, 1] as const;
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const EMPTY = new Uint8Array(0);

/**
 * XDR (RFC 4506) decoder reading one stream across an {@link XdrBuf}'s head, page list and tail
 * (or a plain Uint8Array). Every read is bounds-checked and names the field: a length past the
 * end, a string or array over its maximum, a bad boolean, enum or union discriminant throws an
 * {@link XdrError} with the byte offset of the item.
 *
 * Opaque data and strings that lie inside one part of the buffer are returned as views of it
 * (no copy); copy them if the buffer is going to be reused.
 */
export class XdrDecoder {
  readonly source: XdrBuf;
  private readonly segs: Uint8Array[];
  /** Stream offset of each segment's first byte. */
  private readonly segStarts: number[];
  /** Index in `segs` of the segment the page list starts at (-1 when there is none). */
  private readonly firstPageSeg: number;
  private seg = 0;
  private cur: Uint8Array;
  private curPos = 0;
  private curBase = 0;
  private readonly total: number;

  constructor(source: XdrBuf | Uint8Array) {
    this.source = source instanceof XdrBuf ? source : XdrBuf.fromBytes(source);
    const src = this.source;
    if (src.pageLen === 0 && src.tail.length === 0) {
      this.segs = [src.head];
      this.segStarts = [0];
      this.firstPageSeg = -1;
    } else {
      this.segs = [src.head];
      this.segStarts = [0];
      let at = src.head.length;
      this.firstPageSeg = src.pageLen > 0 ? 1 : -1;
      for (const view of pageViews(src.pages, src.pageBase, src.pageLen)) {
        this.segs.push(view);
        this.segStarts.push(at);
        at += view.length;
      }
      this.segs.push(src.tail);
      this.segStarts.push(at);
    }
    this.cur = this.segs[0]!;
    this.total = src.length;
  }

  /** Stream offset of the next byte to read. */
  get offset(): number {
    return this.curBase + this.curPos;
  }

  /** Bytes left in the stream. */
  get remaining(): number {
    return this.total - this.offset;
  }

  /** int (RFC 4506 §4.1). */
  readInt(field: string): number {
    return this.readUint(field) | 0;
  }

  /** unsigned int (RFC 4506 §4.2). */
  readUint(field: string): number {
    const p = this.curPos;
    const c = this.cur;
    if (p + 4 <= c.length) {
      this.curPos = p + 4;
      return ((c[p]! << 24) | (c[p + 1]! << 16) | (c[p + 2]! << 8) | c[p + 3]!) >>> 0;
    }
    const b = this.take(4, field);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }

  /** enum (RFC 4506 §4.3): a value outside `values` is EINVAL. */
  readEnum<T extends number>(field: string, values: ReadonlySet<T>): T {
    const at = this.offset;
    const v = this.readInt(field);
    if (!values.has(v as T)) throw new XdrError('EINVAL', field, at, `${v} is not a value of this enum`);
    return v as T;
  }

  /** bool (RFC 4506 §4.4): anything but 0 or 1 is EINVAL. */
  readBool(field: string): boolean {
    const at = this.offset;
    const v = this.readUint(field);
    if (v > 1) throw new XdrError('EINVAL', field, at, `boolean must be 0 or 1, got ${v}`);
    return v === 1;
  }

  /** hyper (RFC 4506 §4.5) as a bigint. */
  readHyper(field: string): bigint {
    const high = this.readInt(field);
    const low = this.readUint(field);
    return (BigInt(high) << 32n) | BigInt(low);
  }

  /** unsigned hyper (RFC 4506 §4.5) as a bigint. */
  readUhyper(field: string): bigint {
    const high = this.readUint(field);
    const low = this.readUint(field);
    return (BigInt(high) << 32n) | BigInt(low);
  }

  /** hyper as a number; ERANGE outside ±(2^53 − 1). */
  readHyperNumber(field: string): number {
    const at = this.offset;
    const high = this.readInt(field);
    const low = this.readUint(field);
    if (high > 0x1fffff || high < -0x200000 || (high === -0x200000 && low === 0)) {
      throw new XdrError('ERANGE', field, at, 'hyper does not fit a safe integer');
    }
    return high * TWO_32 + low;
  }

  /** unsigned hyper as a number; ERANGE above 2^53 − 1. */
  readUhyperNumber(field: string): number {
    const at = this.offset;
    const high = this.readUint(field);
    const low = this.readUint(field);
    if (high > 0x1fffff)
      throw new XdrError('ERANGE', field, at, 'unsigned hyper does not fit a safe integer');
    return high * TWO_32 + low;
  }

  /** float (RFC 4506 §4.6). */
  readFloat(field: string): number {
    const b = this.take(4, field);
    return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0);
  }

  /** double (RFC 4506 §4.7). */
  readDouble(field: string): number {
    const b = this.take(8, field);
    return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0);
  }

  /** opaque[length] (RFC 4506 §4.9). */
  readFixedOpaque(field: string, length: number): Uint8Array {
    const data = this.take(length, field);
    this.skipPad(length, field);
    return data;
  }

  /** opaque<max> (RFC 4506 §4.10). */
  readOpaque(field: string, maxLength = 0xffffffff): Uint8Array {
    const length = this.readLength(field, maxLength);
    const data = this.take(length, field);
    this.skipPad(length, field);
    return data;
  }

  /**
   * opaque<max> whose bytes go into the caller's pages (an NFS READ into the page cache). When the
   * stream's page list already is that range — a transport placed the data there directly, as an
   * RDMA Write chunk does — nothing is copied. Returns the data length; E2BIG if it exceeds
   * `maxLength` or the destination.
   */
  readOpaqueInto(field: string, dst: XdrPageRange, maxLength = 0xffffffff): number {
    const length = this.readLength(field, Math.min(maxLength, dst.length));
    const src = this.source;
    if (
      length > 0 &&
      this.seg === this.firstPageSeg - 1 &&
      this.curPos === this.cur.length &&
      src.pageBase === dst.base &&
      length === src.pageLen &&
      coversSamePages(src.pages, dst.pages, dst.base, length)
    ) {
      this.skip(length, field);
    } else {
      for (const view of pageViews(dst.pages, dst.base, length)) view.set(this.take(view.length, field));
    }
    this.skipPad(length, field);
    return length;
  }

  /** string<max> (RFC 4506 §4.11) as UTF-8; `maxLength` counts bytes; invalid UTF-8 is EINVAL. */
  readString(field: string, maxLength = 0xffffffff): string {
    const at = this.offset;
    const bytes = this.readOpaque(field, maxLength);
    const n = bytes.length;
    if (n <= 32) {
      let ascii = '';
      let i = 0;
      for (; i < n; i++) {
        const c = bytes[i]!;
        if (c >= 0x80) break;
        ascii += String.fromCharCode(c);
      }
      if (i === n) return ascii;
    }
    try {
      return UTF8.decode(bytes);
    } catch {
      throw new XdrError('EINVAL', field, at + 4, 'string is not valid UTF-8');
    }
  }

  /**
   * T<max> (RFC 4506 §4.13). A count over `maxCount`, or more items than the remaining bytes could
   * hold (every XDR item but void is at least four bytes), is rejected before anything is allocated.
   */
  readArray<T>(field: string, maxCount: number, readItem: (dec: XdrDecoder, index: number) => T): T[] {
    const at = this.offset;
    const count = this.readUint(field);
    if (count > maxCount)
      throw new XdrError('E2BIG', field, at, `${count} items exceed the maximum ${maxCount}`);
    if (count * 4 > this.remaining) {
      throw new XdrError(
        'EBADMSG',
        field,
        at,
        `${count} items cannot fit in the ${this.remaining} bytes left`,
      );
    }
    const out = new Array<T>(count);
    for (let i = 0; i < count; i++) out[i] = readItem(this, i);
    return out;
  }

  /** T[count] (RFC 4506 §4.12). */
  readFixedArray<T>(field: string, count: number, readItem: (dec: XdrDecoder, index: number) => T): T[] {
    if (count * 4 > this.remaining) {
      throw new XdrError(
        'EBADMSG',
        field,
        this.offset,
        `${count} items cannot fit in the ${this.remaining} bytes left`,
      );
    }
    const out = new Array<T>(count);
    for (let i = 0; i < count; i++) out[i] = readItem(this, i);
    return out;
  }

  /** *T optional-data (RFC 4506 §4.19): undefined when absent. */
  readOptional<T>(field: string, readValue: (dec: XdrDecoder) => T): T | undefined {
    return this.readBool(field) ? readValue(this) : undefined;
  }

  /**
   * Discriminated union (RFC 4506 §4.15): reads the discriminant and runs its arm. A discriminant
   * with no arm and no `defaultArm` is EINVAL.
   */
  readUnion<T>(
    field: string,
    arms: Readonly<Record<number, (dec: XdrDecoder, discriminant: number) => T>>,
    defaultArm?: (dec: XdrDecoder, discriminant: number) => T,
  ): T {
    const at = this.offset;
    const d = this.readInt(field);
    const arm = Object.hasOwn(arms, d) ? arms[d] : defaultArm;
    if (arm === undefined) throw new XdrError('EINVAL', field, at, `no union arm for discriminant ${d}`);
    return arm(this, d);
  }

  /** Skip `n` bytes (no padding added). */
  skip(n: number, field: string): void {
    if (n > this.remaining) {
      throw new XdrError('EBADMSG', field, this.offset, `needs ${n} bytes, ${this.remaining} left`);
    }
    let left = n;
    while (left > 0) {
      const room = this.cur.length - this.curPos;
      if (room === 0) {
        this.nextSegment();
        continue;
      }
      const k = Math.min(room, left);
      this.curPos += k;
      left -= k;
    }
  }

  /** EINVAL unless the whole stream has been read (trailing garbage). */
  assertEnd(field: string): void {
    if (this.remaining !== 0) {
      throw new XdrError('EINVAL', field, this.offset, `${this.remaining} unexpected trailing bytes`);
    }
  }

  /** The unread rest of the stream as one array (a view when it lies in one part). */
  readRest(field: string): Uint8Array {
    return this.take(this.remaining, field);
  }

  private readLength(field: string, maxLength: number): number {
    const at = this.offset;
    const length = this.readUint(field);
    if (length > maxLength) {
      throw new XdrError('E2BIG', field, at, `length ${length} exceeds the maximum ${maxLength}`);
    }
    if (length > this.remaining) {
      throw new XdrError(
        'EBADMSG',
        field,
        at,
        `length ${length} runs past the end (${this.remaining} bytes left)`,
      );
    }
    return length;
  }

  private skipPad(length: number, field: string): void {
    const pad = PAD[length & 3]!;
    if (pad === 0) return;
    if (this.curPos + pad <= this.cur.length) this.curPos += pad;
    else this.skip(pad, field);
  }

  /** The next `n` bytes: a view when they lie in the current segment, else a copy. */
  private take(n: number, field: string): Uint8Array {
    if (this.curPos + n <= this.cur.length) {
      const out = this.cur.subarray(this.curPos, this.curPos + n);
      this.curPos += n;
      return out;
    }
    if (n > this.remaining) {
      throw new XdrError('EBADMSG', field, this.offset, `needs ${n} bytes, ${this.remaining} left`);
    }
    if (n === 0) return EMPTY;
    // Move to the segment holding the next byte; it may hold all n.
    while (this.curPos === this.cur.length) this.nextSegment();
    if (this.curPos + n <= this.cur.length) return this.take(n, field);
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      if (this.curPos === this.cur.length) {
        this.nextSegment();
        continue;
      }
      const k = Math.min(this.cur.length - this.curPos, n - at);
      out.set(this.cur.subarray(this.curPos, this.curPos + k), at);
      this.curPos += k;
      at += k;
    }
    return out;
  }

  private nextSegment(): void {
    this.seg++;
    this.cur = this.segs[this.seg]!;
    this.curBase = this.segStarts[this.seg]!;
    this.curPos = 0;
  }
}

/** Whether both page lists hold the same pages for [base, base + length). */
function coversSamePages(a: readonly Page[], b: readonly Page[], base: number, length: number): boolean {
  const last = Math.floor((base + length - 1) / PAGE_SIZE);
  if (a.length <= last || b.length <= last) return false;
  for (let i = Math.floor(base / PAGE_SIZE); i <= last; i++) if (a[i] !== b[i]) return false;
  return true;
}
