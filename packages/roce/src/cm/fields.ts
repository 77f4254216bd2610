/**
 * Table-driven MAD field access in the IBTA "Byte[Bit]" notation used by include/rdma/iba.h and
 * include/rdma/ibta_vol1_c12.h: a field starts at `offset` (bytes after the 24-byte MAD header),
 * `bit` bits below that byte's most significant bit, and is `bits` wide, big-endian.
 */

import { RoceEncodeError } from '../wire/errors.js';
import { checkUint, checkUint64 } from '../wire/field-checks.js';
import { formatIpv6, parseGid } from '../wire/ip-address.js';

export type FieldKind = 'uint' | 'flag' | 'u64' | 'gid' | 'bytes';

export interface FieldSpec<T> {
  readonly key: keyof T & string;
  readonly kind: FieldKind;
  /** Byte offset after the MAD header. */
  readonly offset: number;
  /** Bit offset from the MSB of the first byte ('uint'/'flag'). */
  readonly bit?: number;
  /** Width in bits ('uint'), or in bytes ('bytes'). */
  readonly size?: number;
}

export function uint<T>(key: keyof T & string, offset: number, bits: number, bit = 0): FieldSpec<T> {
  return { key, kind: 'uint', offset, bit, size: bits };
}
export function flag<T>(key: keyof T & string, offset: number, bit: number): FieldSpec<T> {
  return { key, kind: 'flag', offset, bit, size: 1 };
}
export function u64<T>(key: keyof T & string, offset: number): FieldSpec<T> {
  return { key, kind: 'u64', offset };
}
export function gid<T>(key: keyof T & string, offset: number): FieldSpec<T> {
  return { key, kind: 'gid', offset };
}
export function bytes<T>(key: keyof T & string, offset: number, length: number): FieldSpec<T> {
  return { key, kind: 'bytes', offset, size: length };
}

function getBits(data: Uint8Array, start: number, bits: number): number {
  const end = start + bits;
  const first = start >> 3;
  const last = (end - 1) >> 3;
  let word = 0;
  for (let i = first; i <= last; i++) word = word * 256 + data[i]!;
  const trailing = (last + 1) * 8 - end;
  return Math.floor(word / 2 ** trailing) % 2 ** bits;
}

function setBits(data: Uint8Array, start: number, bits: number, value: number): void {
  for (let i = 0; i < bits; i++) {
    const bitIndex = start + i;
    const on = Math.floor(value / 2 ** (bits - 1 - i)) % 2 === 1;
    const mask = 0x80 >> (bitIndex & 7);
    data[bitIndex >> 3] = on ? data[bitIndex >> 3]! | mask : data[bitIndex >> 3]! & ~mask;
  }
}

/** Writes `message`'s fields into `data` (the MAD data area, 232 bytes). Throws RoceEncodeError. */
export function writeFields<T>(
  data: Uint8Array,
  specs: readonly FieldSpec<T>[],
  message: T,
  prefix = '',
): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (const spec of specs) {
    const value: unknown = message[spec.key];
    const name = `${prefix}${spec.key}`;
    const at = spec.offset;
    switch (spec.kind) {
      case 'uint': {
        const bits = spec.size!;
        checkUint(name, value as number, bits);
        setBits(data, at * 8 + spec.bit!, bits, value as number);
        break;
      }
      case 'flag':
        if (typeof value !== 'boolean') throw new RoceEncodeError('EINVAL', name, 'must be a boolean');
        setBits(data, at * 8 + spec.bit!, 1, value ? 1 : 0);
        break;
      case 'u64':
        checkUint64(name, value as bigint);
        view.setBigUint64(at, value as bigint);
        break;
      case 'gid':
        if (typeof value !== 'string')
          throw new RoceEncodeError('EINVAL', name, 'must be an IPv6 GID string');
        data.set(parseGid(value, name), at);
        break;
      case 'bytes': {
        if (!(value instanceof Uint8Array)) throw new RoceEncodeError('EINVAL', name, 'must be a Uint8Array');
        if (value.length > spec.size!) {
          throw new RoceEncodeError(
            'EMSGSIZE',
            name,
            `${value.length} bytes exceeds the ${spec.size}-byte field`,
          );
        }
        data.fill(0, at, at + spec.size!);
        data.set(value, at);
        break;
      }
    }
  }
}

/** Reads fields from the MAD data area into a new object (bytes fields are copies). */
export function readFields<T>(data: Uint8Array, specs: readonly FieldSpec<T>[]): T {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    const at = spec.offset;
    switch (spec.kind) {
      case 'uint':
        out[spec.key] = getBits(data, at * 8 + spec.bit!, spec.size!);
        break;
      case 'flag':
        out[spec.key] = getBits(data, at * 8 + spec.bit!, 1) === 1;
        break;
      case 'u64':
        out[spec.key] = view.getBigUint64(at);
        break;
      case 'gid':
        out[spec.key] = formatIpv6(data, at);
        break;
      case 'bytes':
        out[spec.key] = data.slice(at, at + spec.size!);
        break;
    }
  }
  return out as T;
}
