import { TransportError } from '../transport/errors.js';

/** Record marking (RFC 5531 §11): the high bit of a fragment header marks the last fragment. */
export const LAST_FRAGMENT = 0x8000_0000;
/** The low 31 bits of a fragment header carry the fragment length (RFC 5531 §11). */
export const MAX_FRAGMENT_LENGTH = 0x7fff_ffff;
/** Bytes in a fragment header. */
export const RECORD_MARK_SIZE = 4;

/** A fragment header: `length` bytes follow; `last` closes the record. */
export function recordMark(length: number, last: boolean): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > MAX_FRAGMENT_LENGTH) {
    throw new TransportError('EINVAL', `fragment length ${length} does not fit 31 bits`);
  }
  const out = new Uint8Array(RECORD_MARK_SIZE);
  new DataView(out.buffer).setUint32(0, (last ? LAST_FRAGMENT : 0) + length);
  return out;
}

/**
 * Frame `parts` (one record) as fragments of at most `maxFragment` bytes: header, bytes, header…
 * The parts are not copied; fragment boundaries may fall inside a part.
 */
export function frameRecord(parts: readonly Uint8Array[], maxFragment = MAX_FRAGMENT_LENGTH): Uint8Array[] {
  if (!Number.isInteger(maxFragment) || maxFragment < 1 || maxFragment > MAX_FRAGMENT_LENGTH) {
    throw new TransportError('EINVAL', `maximum fragment size ${maxFragment} out of range`);
  }
  let total = 0;
  for (const p of parts) total += p.length;
  const out: Uint8Array[] = [];
  let left = total;
  let partIndex = 0;
  let partOffset = 0;
  do {
    const fragment = Math.min(left, maxFragment);
    left -= fragment;
    out.push(recordMark(fragment, left === 0));
    let need = fragment;
    while (need > 0) {
      const part = parts[partIndex]!;
      const n = Math.min(part.length - partOffset, need);
      if (n > 0)
        out.push(partOffset === 0 && n === part.length ? part : part.subarray(partOffset, partOffset + n));
      partOffset += n;
      need -= n;
      if (partOffset === part.length) {
        partIndex++;
        partOffset = 0;
      }
    }
  } while (left > 0);
  return out;
}

export interface RecordReaderOptions {
  /** Largest record accepted (sum of its fragments); a larger one is EMSGSIZE. */
  readonly maxRecordSize: number;
  readonly onRecord: (record: Uint8Array) => void;
}

/**
 * Reassembles records from a byte stream (RFC 5531 §11). Feed it what the socket delivers; it
 * calls `onRecord` once per complete record. A record over `maxRecordSize` throws a
 * TransportError EMSGSIZE naming the stream offset of the offending fragment header, as soon
 * as that header is seen (nothing of it is buffered); the reader then refuses further input.
 */
export class RecordReader {
  private readonly header = new Uint8Array(RECORD_MARK_SIZE);
  private headerFill = 0;
  /** Bytes left in the current fragment; -1 while reading a header. */
  private fragmentLeft = -1;
  private lastFragment = false;
  private parts: Uint8Array[] = [];
  private recordSize = 0;
  private streamOffset = 0;
  private failed: TransportError | null = null;

  constructor(private readonly options: RecordReaderOptions) {}

  /** Bytes of an incomplete record held so far. */
  get buffered(): number {
    return this.recordSize;
  }

  push(chunk: Uint8Array): void {
    if (this.failed !== null) throw this.failed;
    let pos = 0;
    const n = chunk.length;
    while (pos < n) {
      if (this.fragmentLeft < 0) {
        // Fast path: the whole header is in this chunk.
        if (this.headerFill === 0 && pos + RECORD_MARK_SIZE <= n) {
          const word =
            ((chunk[pos]! << 24) | (chunk[pos + 1]! << 16) | (chunk[pos + 2]! << 8) | chunk[pos + 3]!) >>> 0;
          pos += RECORD_MARK_SIZE;
          this.streamOffset += RECORD_MARK_SIZE;
          this.startFragment(word);
        } else {
          this.header[this.headerFill++] = chunk[pos++]!;
          this.streamOffset++;
          if (this.headerFill === RECORD_MARK_SIZE) {
            this.headerFill = 0;
            const h = this.header;
            this.startFragment(((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0);
          }
        }
        if (this.fragmentLeft === 0) this.endFragment();
        continue;
      }
      const take = Math.min(this.fragmentLeft, n - pos);
      this.parts.push(chunk.subarray(pos, pos + take));
      pos += take;
      this.streamOffset += take;
      this.fragmentLeft -= take;
      if (this.fragmentLeft === 0) this.endFragment();
    }
  }

  private startFragment(word: number): void {
    const length = word & MAX_FRAGMENT_LENGTH;
    this.lastFragment = word >= LAST_FRAGMENT;
    if (this.recordSize + length > this.options.maxRecordSize) {
      this.failed = new TransportError(
        'EMSGSIZE',
        `record_mark at byte ${this.streamOffset - RECORD_MARK_SIZE}: record of at least ${this.recordSize + length} bytes exceeds ` +
          `the maximum ${this.options.maxRecordSize}`,
      );
      this.parts = [];
      throw this.failed;
    }
    this.recordSize += length;
    this.fragmentLeft = length;
  }

  private endFragment(): void {
    this.fragmentLeft = -1;
    if (!this.lastFragment) return;
    const parts = this.parts;
    const size = this.recordSize;
    this.parts = [];
    this.recordSize = 0;
    let record: Uint8Array;
    if (parts.length === 1) {
      record = parts[0]!;
    } else {
      record = new Uint8Array(size);
      let at = 0;
      for (const p of parts) {
        record.set(p, at);
        at += p.length;
      }
    }
    this.options.onRecord(record);
  }
}
