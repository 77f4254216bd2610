/**
 * Why an XDR encode or decode failed. Stable codes a caller can switch on:
 * - `EBADMSG`  — the data ends before the item does (a length past the end of the buffer).
 * - `E2BIG`    — a string, opaque or array is longer than its declared maximum.
 * - `EINVAL`   — a value outside its type: a boolean other than 0/1, an unknown enum value or
 *                union discriminant, a string that is not UTF-8, pages that do not cover a range.
 * - `ERANGE`   — a number that does not fit the XDR type (encode), or a hyper that does not fit
 *                a JS number when one was asked for (decode).
 * - `EMSGSIZE` — an encoder built over a fixed buffer ran out of room.
 */
export type XdrErrorCode = 'EBADMSG' | 'E2BIG' | 'EINVAL' | 'ERANGE' | 'EMSGSIZE';

/** A typed XDR failure naming the field and the byte offset (from the start of the stream). */
export class XdrError extends Error {
  override readonly name = 'XdrError';
  constructor(
    readonly code: XdrErrorCode,
    /** The field being encoded or decoded, as the caller named it (e.g. `READ3resok.data`). */
    readonly field: string,
    /** Byte offset of the item from the start of the XDR stream. */
    readonly offset: number,
    detail: string,
    /** Whether this came from a decoder (bad input) or an encoder (a bad value to send). */
    readonly direction: 'decode' | 'encode' = 'decode',
  ) {
    super(`${code}: ${field} at byte ${offset}: ${detail}`);
  }
}
