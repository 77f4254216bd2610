/** A small pcap reader (both byte orders, µs and ns magic) for tests and tools. Never throws. */
import { type DecodeResult, decodeFailure } from '../wire/errors.js';
import {
  PCAP_GLOBAL_HEADER_BYTES,
  PCAP_MAGIC_MICROSECONDS,
  PCAP_MAGIC_NANOSECONDS,
  PCAP_RECORD_HEADER_BYTES,
} from './format.js';

export interface PcapRecord {
  /** Capture time in ns (µs files are scaled). */
  readonly timestampNs: bigint;
  readonly originalLength: number;
  /** Captured bytes (a view into the file). */
  readonly data: Uint8Array;
}

export interface PcapFile {
  readonly nanosecond: boolean;
  readonly littleEndian: boolean;
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly snapLength: number;
  readonly linkType: number;
  readonly records: readonly PcapRecord[];
}

export type PcapDecodeReason = 'TRUNCATED' | 'BAD_MAGIC' | 'BAD_RECORD';

export function readPcap(bytes: Uint8Array): DecodeResult<PcapFile, PcapDecodeReason> {
  if (bytes.length < PCAP_GLOBAL_HEADER_BYTES) {
    return decodeFailure('TRUNCATED', bytes.length, 'shorter than the 24-byte pcap header');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let littleEndian = true;
  let magic = view.getUint32(0, true);
  if (magic !== PCAP_MAGIC_MICROSECONDS && magic !== PCAP_MAGIC_NANOSECONDS) {
    littleEndian = false;
    magic = view.getUint32(0, false);
  }
  if (magic !== PCAP_MAGIC_MICROSECONDS && magic !== PCAP_MAGIC_NANOSECONDS) {
    return decodeFailure('BAD_MAGIC', 0, `0x${view.getUint32(0, false).toString(16)} is not a pcap magic`);
  }
  const nanosecond = magic === PCAP_MAGIC_NANOSECONDS;
  const snapLength = view.getUint32(16, littleEndian);
  const records: PcapRecord[] = [];
  let at = PCAP_GLOBAL_HEADER_BYTES;
  while (at < bytes.length) {
    if (at + PCAP_RECORD_HEADER_BYTES > bytes.length) {
      return decodeFailure('TRUNCATED', bytes.length, `record ${records.length} header is cut off`);
    }
    const seconds = view.getUint32(at, littleEndian);
    const fraction = view.getUint32(at + 4, littleEndian);
    const captured = view.getUint32(at + 8, littleEndian);
    const originalLength = view.getUint32(at + 12, littleEndian);
    if (fraction >= (nanosecond ? 1_000_000_000 : 1_000_000) || captured > originalLength) {
      return decodeFailure('BAD_RECORD', at, `record ${records.length} has an invalid timestamp or length`);
    }
    const start = at + PCAP_RECORD_HEADER_BYTES;
    if (start + captured > bytes.length) {
      return decodeFailure('TRUNCATED', bytes.length, `record ${records.length} data is cut off`);
    }
    records.push({
      timestampNs: BigInt(seconds) * 1_000_000_000n + BigInt(nanosecond ? fraction : fraction * 1000),
      originalLength,
      data: bytes.subarray(start, start + captured),
    });
    at = start + captured;
  }
  return {
    ok: true,
    value: {
      nanosecond,
      littleEndian,
      versionMajor: view.getUint16(4, littleEndian),
      versionMinor: view.getUint16(6, littleEndian),
      snapLength,
      linkType: view.getUint32(20, littleEndian),
      records,
    },
  };
}
