import { RpcRdmaHeaderError } from './errors.js';

/** Largest offset a 64-bit XDR field may carry here: addresses are JS numbers (2^53). */
const MAX_SAFE_HI = 0x1fffff;

/**
 * A big-endian read cursor over header bytes that names the field and offset of every failure.
 * XDR is 4-byte aligned, so only 32- and 64-bit items exist.
 */
export class HeaderReader {
  private readonly view: DataView;
  private pos = 0;
  /** Set once the prefix has been read, so later errors can name the xid. */
  xid: number | undefined;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.view.byteLength - this.pos;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  /** An unsigned hyper that must fit a JS number; ERR_CHUNK otherwise (a chunk offset). */
  u64(field: string): number {
    this.need(8, field);
    const hi = this.view.getUint32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    if (hi > MAX_SAFE_HI)
      this.fail(
        'ERR_CHUNK',
        field,
        `offset 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} exceeds 2^53`,
      );
    this.pos += 8;
    return hi * 0x1_0000_0000 + lo;
  }

  /** An XDR optional-data discriminator: 0 or 1, anything else is a malformed chunk list. */
  present(field: string): boolean {
    const at = this.pos;
    const v = this.u32(field);
    if (v > 1)
      throw new RpcRdmaHeaderError(
        'ERR_CHUNK',
        field,
        at,
        `discriminator must be 0 or 1, got ${v}`,
        this.xid,
      );
    return v === 1;
  }

  fail(code: RpcRdmaHeaderError['code'], field: string, detail: string, at = this.pos): never {
    throw new RpcRdmaHeaderError(code, field, at, detail, this.xid);
  }

  private need(n: number, field: string): void {
    if (this.remaining < n) {
      this.fail('EBADMSG', field, `needs ${n} bytes, ${this.remaining} left of ${this.view.byteLength}`);
    }
  }
}

/** A big-endian write cursor into a caller's buffer (a registered header buffer). */
export class HeaderWriter {
  private readonly view: DataView;
  private pos = 0;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  u32(value: number, field: string): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new RpcRdmaHeaderError('EINVAL', field, this.pos, `${value} is not an unsigned 32-bit integer`);
    }
    this.need(4, field);
    this.view.setUint32(this.pos, value);
    this.pos += 4;
  }

  u64(value: number, field: string): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RpcRdmaHeaderError('EINVAL', field, this.pos, `${value} is not an unsigned safe integer`);
    }
    this.need(8, field);
    this.view.setUint32(this.pos, Math.floor(value / 0x1_0000_0000));
    this.view.setUint32(this.pos + 4, value >>> 0);
    this.pos += 8;
  }

  private need(n: number, field: string): void {
    if (this.view.byteLength - this.pos < n) {
      throw new RpcRdmaHeaderError(
        'EMSGSIZE',
        field,
        this.pos,
        `needs ${n} bytes, buffer of ${this.view.byteLength} has ${this.view.byteLength - this.pos} left`,
      );
    }
  }
}
