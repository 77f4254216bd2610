/**
 * A deterministic pcap writer: identical frames and timestamps give identical bytes (no wall clock,
 * no host data). Nanosecond magic, LINKTYPE_ETHERNET by default.
 */
import { RoceEncodeError } from '../wire/errors.js';
import {
  LINKTYPE_ETHERNET,
  PCAP_DEFAULT_SNAPLEN,
  PCAP_GLOBAL_HEADER_BYTES,
  PCAP_MAGIC_NANOSECONDS,
  PCAP_RECORD_HEADER_BYTES,
  PCAP_VERSION_MAJOR,
  PCAP_VERSION_MINOR,
} from './format.js';

export interface PcapWriterOptions {
  /** Default LINKTYPE_ETHERNET (1). */
  linkType?: number;
  /** Frames longer than this are cut, with their original length recorded (pcap semantics). */
  snapLength?: number;
}

const NS_PER_SECOND = 1_000_000_000n;
const MAX_SECONDS = 0xffff_ffffn;

/** Accumulates frames in memory; `toBytes()` gives the whole file. */
export class PcapWriter {
  readonly linkType: number;
  readonly snapLength: number;
  private readonly chunks: Uint8Array[] = [];
  private size = PCAP_GLOBAL_HEADER_BYTES;

  constructor(options: PcapWriterOptions = {}) {
    this.linkType = options.linkType ?? LINKTYPE_ETHERNET;
    this.snapLength = options.snapLength ?? PCAP_DEFAULT_SNAPLEN;
    if (!Number.isInteger(this.snapLength) || this.snapLength < 1 || this.snapLength > 0x7fffffff) {
      throw new RoceEncodeError('EINVAL', 'snapLength', `must be 1..2^31-1, got ${this.snapLength}`);
    }
  }

  get frameCount(): number {
    return this.chunks.length;
  }

  /**
   * Appends a frame captured at `timestampNs` (ns since the epoch of the capture — virtual time is
   * fine). Throws RoceEncodeError EINVAL for a negative or too-large timestamp.
   */
  addFrame(timestampNs: number | bigint, frame: Uint8Array): void {
    if (typeof timestampNs === 'number' && !Number.isSafeInteger(timestampNs)) {
      throw new RoceEncodeError('EINVAL', 'timestampNs', `must be a safe integer, got ${timestampNs}`);
    }
    const ns = BigInt(timestampNs);
    const seconds = ns / NS_PER_SECOND;
    if (ns < 0n || seconds > MAX_SECONDS) {
      throw new RoceEncodeError('EINVAL', 'timestampNs', `must be 0..2^32 s in ns, got ${ns}`);
    }
    const captured = Math.min(frame.length, this.snapLength);
    const record = new Uint8Array(PCAP_RECORD_HEADER_BYTES + captured);
    const view = new DataView(record.buffer);
    view.setUint32(0, Number(seconds), true);
    view.setUint32(4, Number(ns % NS_PER_SECOND), true);
    view.setUint32(8, captured, true);
    view.setUint32(12, frame.length, true);
    record.set(frame.subarray(0, captured), PCAP_RECORD_HEADER_BYTES);
    this.chunks.push(record);
    this.size += record.length;
  }

  /** The complete pcap file. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    const view = new DataView(out.buffer);
    view.setUint32(0, PCAP_MAGIC_NANOSECONDS, true);
    view.setUint16(4, PCAP_VERSION_MAJOR, true);
    view.setUint16(6, PCAP_VERSION_MINOR, true);
    view.setInt32(8, 0, true); // thiszone: timestamps are UTC
    view.setUint32(12, 0, true); // sigfigs
    view.setUint32(16, this.snapLength, true);
    view.setUint32(20, this.linkType, true);
    let at = PCAP_GLOBAL_HEADER_BYTES;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

/** One-shot: a pcap file of `frames` in order. */
export function writePcap(
  frames: Iterable<{ timestampNs: number | bigint; frame: Uint8Array }>,
  options: PcapWriterOptions = {},
): Uint8Array {
  const writer = new PcapWriter(options);
  for (const { timestampNs, frame } of frames) writer.addFrame(timestampNs, frame);
  return writer.toBytes();
}
