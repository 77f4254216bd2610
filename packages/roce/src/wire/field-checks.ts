/** Range checks for encoders: a value that would not fit its wire field is an EINVAL, never wrapped. */
import { RoceEncodeError } from './errors.js';

const U64_MAX = 0xffff_ffff_ffff_ffffn;

export function checkUint(field: string, value: number, bits: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 2 ** bits - 1) {
    throw new RoceEncodeError('EINVAL', field, `must be an unsigned ${bits}-bit integer, got ${value}`);
  }
}

export function checkUint64(field: string, value: bigint): void {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
    throw new RoceEncodeError('EINVAL', field, `must be an unsigned 64-bit bigint, got ${String(value)}`);
  }
}
