import { expect } from 'vitest';
import { VerbsError, type VerbsErrorCode } from '../../errors.js';

/** Run `fn`, expect it to throw a VerbsError with `code`, and return the error. */
export function expectVerbsError(fn: () => void, code: VerbsErrorCode, what: string): VerbsError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, `${what}: expected VerbsError ${code}, but nothing was thrown`).toBeDefined();
  expect(caught, `${what}: expected a VerbsError`).toBeInstanceOf(VerbsError);
  const error = caught as VerbsError;
  expect(error.code, `${what}: ${error.message}`).toBe(code);
  return error;
}

/** Compare bytes, failing with the first differing offset rather than a diff of thousands of numbers. */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const at = actual.findIndex((byte, i) => byte !== expected[i]);
  const detail =
    at < 0
      ? ''
      : `${what}: byte ${at} of ${expected.length} is 0x${actual[at]!.toString(16)}, expected 0x${expected[at]!.toString(16)}`;
  expect(detail, detail).toBe('');
}

/** `length` bytes of `value`: what an untouched, sentinel-filled region reads as. */
export function sentinel(length: number, value: number): Uint8Array {
  return new Uint8Array(length).fill(value);
}
