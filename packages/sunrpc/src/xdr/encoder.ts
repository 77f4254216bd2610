import type { Page } from '@rdmalab/kernel';
import { XdrError } from './errors.js';
import { checkPageRange, XdrBuf } from './xdr-buf.js';

export interface XdrEncoderOptions {
  /**
   * Bytes to write the head (and tail) into, e.g. a transport's registered send buffer. The
   * encoder writes from offset 0; `finish()` returns views of it.
   */
  readonly buffer?: Uint8Array;
  /** With `buffer`: never grow; running out of room is an EMSGSIZE XdrError. Default false. */
  readonly fixed?: boolean;
  /** Initial capacity when no buffer is given. Default 256. */
  readonly initialSize?: number;
}

const TWO_32 = 2 ** 32;
const TEXT_ENCODER = new TextEncoder();
const PAD = [0, 3, 2, 1] as const;

/**
 * XDR (RFC 4506) encoder producing an {@link XdrBuf}. Everything written goes into the head until
 * {@link writeOpaquePages} hands a caller's pages over (without copying); from then on writes go
 * into the tail, starting with the pad of the page data. All quantities are big-endian and every
 * item is padded to a multiple of four bytes (RFC 4506 §3).
 *
 * Methods that can reject a value take a `field` name for the error message.
 */
export class XdrEncoder {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  private readonly fixed: boolean;
  /** Index in `buf` where the tail starts; -1 while writing the head. */
  private tailStart = -1;
  private pages: readonly Page[] = [];
  private pageBase = 0;
  private pageLen = 0;
  private flags = 0;

  constructor(options: XdrEncoderOptions = {}) {
    this.buf = options.buffer ?? new Uint8Array(options.initialSize ?? 256);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.fixed = options.fixed ?? false;
  }

  /** Bytes in the stream so far (head + page data + tail). */
  get length(): number {
    return this.pos + this.pageLen;
  }

  /** Start over, reusing the buffer. XdrBufs returned earlier alias it and become invalid. */
  reset(): this {
    this.pos = 0;
    this.tailStart = -1;
    this.pages = [];
    this.pageBase = 0;
    this.pageLen = 0;
    this.flags = 0;
    return this;
  }

  /** The stream written so far. Head and tail are views of the encoder's buffer. */
  finish(): XdrBuf {
    if (this.tailStart < 0) return new XdrBuf({ head: this.buf.subarray(0, this.pos) });
    return new XdrBuf({
      head: this.buf.subarray(0, this.tailStart),
      pages: this.pages,
      pageBase: this.pageBase,
      pageLen: this.pageLen,
      tail: this.buf.subarray(this.tailStart, this.pos),
      flags: this.flags,
    });
  }

  /** int: 32-bit two's complement (RFC 4506 §4.1). */
  writeInt(value: number, field = 'int'): void {
    if ((value | 0) !== value) this.range(field, value, 'a 32-bit signed integer');
    this.ensure(4, field);
    this.view.setInt32(this.pos, value);
    this.pos += 4;
  }

  /** unsigned int (RFC 4506 §4.2). */
  writeUint(value: number, field = 'unsigned int'): void {
    if (value >>> 0 !== value) this.range(field, value, 'a 32-bit unsigned integer');
    this.ensure(4, field);
    this.view.setUint32(this.pos, value);
    this.pos += 4;
  }

  /** enum (RFC 4506 §4.3); with `values`, anything outside them is EINVAL. */
  writeEnum(value: number, values?: ReadonlySet<number>, field = 'enum'): void {
    if (values !== undefined && !values.has(value)) {
      throw new XdrError('EINVAL', field, this.length, `${value} is not a value of this enum`, 'encode');
    }
    this.writeInt(value, field);
  }

  /** bool (RFC 4506 §4.4): FALSE = 0, TRUE = 1. */
  writeBool(value: boolean, field = 'bool'): void {
    this.ensure(4, field);
    this.view.setUint32(this.pos, value ? 1 : 0);
    this.pos += 4;
  }

  /** hyper (RFC 4506 §4.5): a safe-integer number or a bigint in [-2^63, 2^63). */
  writeHyper(value: number | bigint, field = 'hyper'): void {
    this.ensure(8, field);
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) this.range(field, value, 'a safe integer');
      const high = Math.floor(value / TWO_32);
      this.view.setInt32(this.pos, high);
      this.view.setUint32(this.pos + 4, value - high * TWO_32);
    } else {
      if (BigInt.asIntN(64, value) !== value) this.range(field, value, 'a 64-bit signed integer');
      this.view.setBigInt64(this.pos, value);
    }
    this.pos += 8;
  }

  /** unsigned hyper (RFC 4506 §4.5): a non-negative safe integer or a bigint in [0, 2^64). */
  writeUhyper(value: number | bigint, field = 'unsigned hyper'): void {
    this.ensure(8, field);
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value) || value < 0) this.range(field, value, 'a non-negative safe integer');
      const high = Math.floor(value / TWO_32);
      this.view.setUint32(this.pos, high);
      this.view.setUint32(this.pos + 4, value - high * TWO_32);
    } else {
      if (BigInt.asUintN(64, value) !== value) this.range(field, value, 'a 64-bit unsigned integer');
      this.view.setBigUint64(this.pos, value);
    }
    this.pos += 8;
  }

  /** float (RFC 4506 §4.6), IEEE 754 single precision. */
  writeFloat(value: number, field = 'float'): void {
    this.ensure(4, field);
    this.view.setFloat32(this.pos, value);
    this.pos += 4;
  }

  /** double (RFC 4506 §4.7), IEEE 754 double precision. */
  writeDouble(value: number, field = 'double'): void {
    this.ensure(8, field);
    this.view.setFloat64(this.pos, value);
    this.pos += 8;
  }

  /** opaque[n] (RFC 4506 §4.9): exactly `length` bytes, then zero pad to a multiple of four. */
  writeFixedOpaque(bytes: Uint8Array, length: number, field = 'opaque'): void {
    if (bytes.length !== length) {
      throw new XdrError(
        'EINVAL',
        field,
        this.length,
        `fixed opaque needs ${length} bytes, got ${bytes.length}`,
        'encode',
      );
    }
    this.writeBytesPadded(bytes, field);
  }

  /** opaque<max> (RFC 4506 §4.10): length word, bytes, zero pad. */
  writeOpaque(bytes: Uint8Array, maxLength = 0xffffffff, field = 'opaque'): void {
    if (bytes.length > maxLength) {
      throw new XdrError(
        'E2BIG',
        field,
        this.length,
        `${bytes.length} bytes exceed the maximum ${maxLength}`,
        'encode',
      );
    }
    this.writeUint(bytes.length, field);
    this.writeBytesPadded(bytes, field);
  }

  /** string<max> (RFC 4506 §4.11), UTF-8; `maxLength` counts bytes. */
  writeString(value: string, maxLength = 0xffffffff, field = 'string'): void {
    const n = value.length;
    // Short ASCII strings (file names, machine names) are written directly: cheaper than TextEncoder.
    if (n <= 64) {
      this.ensure(4 + n + 3, field);
      const buf = this.buf;
      const start = this.pos + 4;
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === n) {
        if (n > maxLength) {
          throw new XdrError(
            'E2BIG',
            field,
            this.length,
            `${n} bytes exceed the maximum ${maxLength}`,
            'encode',
          );
        }
        this.view.setUint32(this.pos, n);
        this.pos = start + n;
        this.writePad(n);
        return;
      }
    }
    this.writeOpaque(TEXT_ENCODER.encode(value), maxLength, field);
  }

  /** T<max> (RFC 4506 §4.13): count word, then each item. */
  writeArray<T>(
    items: readonly T[],
    maxCount: number,
    writeItem: (enc: XdrEncoder, item: T, index: number) => void,
    field = 'array',
  ): void {
    if (items.length > maxCount) {
      throw new XdrError(
        'E2BIG',
        field,
        this.length,
        `${items.length} items exceed the maximum ${maxCount}`,
        'encode',
      );
    }
    this.writeUint(items.length, field);
    for (let i = 0; i < items.length; i++) writeItem(this, items[i]!, i);
  }

  /** T[n] (RFC 4506 §4.12): exactly `count` items, no count word. */
  writeFixedArray<T>(
    items: readonly T[],
    count: number,
    writeItem: (enc: XdrEncoder, item: T, index: number) => void,
    field = 'array',
  ): void {
    if (items.length !== count) {
      throw new XdrError(
        'EINVAL',
        field,
        this.length,
        `fixed array needs ${count} items, got ${items.length}`,
        'encode',
      );
    }
    for (let i = 0; i < count; i++) writeItem(this, items[i]!, i);
  }

  /** *T optional-data (RFC 4506 §4.19): FALSE, or TRUE then the value. */
  writeOptional<T>(
    value: T | undefined,
    writeValue: (enc: XdrEncoder, value: T) => void,
    field = 'optional',
  ): void {
    if (value === undefined) {
      this.writeBool(false, field);
    } else {
      this.writeBool(true, field);
      writeValue(this, value);
    }
  }

  /** Discriminated union (RFC 4506 §4.15): the discriminant, then the arm (absent for a void arm). */
  writeUnion(discriminant: number, writeArm?: (enc: XdrEncoder) => void, field = 'union'): void {
    this.writeInt(discriminant, field);
    writeArm?.(this);
  }

  /**
   * opaque<> whose bytes stay in the caller's pages: the length word goes into the head, the page
   * range becomes the XdrBuf's page list (not copied), and later writes go into the tail, starting
   * with the zero pad. One page list per stream. `flags` marks it XDRBUF_READ or XDRBUF_WRITE.
   */
  writeOpaquePages(
    pages: readonly Page[],
    base: number,
    length: number,
    flags = 0,
    maxLength = 0xffffffff,
    field = 'opaque',
  ): void {
    if (this.tailStart >= 0) {
      throw new XdrError(
        'EINVAL',
        field,
        this.length,
        'an XdrBuf holds one page list; this stream already has one',
        'encode',
      );
    }
    if (length > maxLength) {
      throw new XdrError(
        'E2BIG',
        field,
        this.length,
        `${length} bytes exceed the maximum ${maxLength}`,
        'encode',
      );
    }
    checkPageRange(field, pages, base, length, 'encode');
    this.writeUint(length, field);
    this.tailStart = this.pos;
    this.pages = pages;
    this.pageBase = base;
    this.pageLen = length;
    this.flags = flags;
    this.ensure(3, field);
    this.writePad(length);
  }

  private writeBytesPadded(bytes: Uint8Array, field: string): void {
    const n = bytes.length;
    this.ensure(n + 3, field);
    this.buf.set(bytes, this.pos);
    this.pos += n;
    this.writePad(n);
  }

  /** Zero pad after `n` data bytes; room must already be ensured. Zeroed explicitly: buffers are reused. */
  private writePad(n: number): void {
    const pad = PAD[n & 3]!;
    for (let i = 0; i < pad; i++) this.buf[this.pos++] = 0;
  }

  private ensure(n: number, field: string): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    if (this.fixed) {
      throw new XdrError(
        'EMSGSIZE',
        field,
        this.length,
        `fixed ${this.buf.length}-byte buffer cannot hold ${n} more bytes`,
        'encode',
      );
    }
    const next = new Uint8Array(Math.max(need, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  private range(field: string, value: number | bigint, what: string): never {
    throw new XdrError('ERANGE', field, this.length, `${String(value)} is not ${what}`, 'encode');
  }
}
