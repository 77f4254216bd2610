import { writePcap } from '@rdmalab/roce';

/**
 * A pcap file (nanosecond-resolution magic, Ethernet link type) of captured frames. Timestamps are
 * virtual time, so t=0 is the Unix epoch in Wireshark and two runs with the same seed are identical.
 */
export function writeCapture(frames: readonly { timeNs: number; frame: Uint8Array }[]): Uint8Array {
  return writePcap(frames.map(({ timeNs, frame }) => ({ timestampNs: timeNs, frame })));
}
