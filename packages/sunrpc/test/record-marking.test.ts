import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { frameRecord, LAST_FRAGMENT, RecordReader, recordMark, TransportError } from '../src/index.js';

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

describe('record marking (RFC 5531 §11)', () => {
  it('a fragment header is the last-fragment bit plus a 31-bit length', () => {
    expect(hex(recordMark(0x1c, true))).toBe('8000001c');
    expect(hex(recordMark(0x7fffffff, false))).toBe('7fffffff');
    expect(LAST_FRAGMENT).toBe(0x80000000);
    expect(() => recordMark(2 ** 31, true)).toThrow(TransportError);
  });

  it('splits a record into fragments without copying and reassembles it', () => {
    const a = new Uint8Array(10).fill(1);
    const b = new Uint8Array(7).fill(2);
    const framed = frameRecord([a, b], 8);
    expect(framed.map((p) => p.length)).toEqual([4, 8, 4, 2, 6, 4, 1]);
    expect(hex(framed[0]!)).toBe('00000008');
    expect(hex(framed[5]!)).toBe('80000001');
    const records: Uint8Array[] = [];
    const reader = new RecordReader({ maxRecordSize: 100, onRecord: (r) => records.push(r) });
    // Byte by byte: headers and data split at every possible point.
    for (const byte of concat(framed)) reader.push(new Uint8Array([byte]));
    expect(records).toHaveLength(1);
    expect(hex(records[0]!)).toBe(hex(concat([a, b])));
  });

  it('delivers several records from one chunk, including an empty one', () => {
    const stream = concat([
      ...frameRecord([new Uint8Array([1, 2, 3, 4])]),
      ...frameRecord([]),
      ...frameRecord([new Uint8Array([5])]),
    ]);
    const records: string[] = [];
    new RecordReader({ maxRecordSize: 10, onRecord: (r) => records.push(hex(r)) }).push(stream);
    expect(records).toEqual(['01020304', '', '05']);
  });

  it('a record over the maximum is EMSGSIZE at its header offset, before its bytes are buffered', () => {
    const reader = new RecordReader({ maxRecordSize: 16, onRecord: () => undefined });
    reader.push(concat(frameRecord([new Uint8Array(8)])));
    let err: unknown;
    try {
      reader.push(concat([recordMark(10, false), new Uint8Array(10), recordMark(7, true)]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe('EMSGSIZE');
    expect((err as TransportError).message).toContain('record_mark at byte 26');
    expect(() => reader.push(new Uint8Array(1))).toThrow(TransportError);
  });
});
