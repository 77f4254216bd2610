/**
 * A RoCEv2 packet as a UDP payload (BTH … ICRC): what a node:dgram socket sends to port 4791.
 * The ICRC also covers IP/UDP header fields, so both directions take the endpoints as input.
 */
import { ICRC_BYTES, IPV6_HEADER_BYTES, UDP_HEADER_BYTES } from './constants.js';
import { type DecodeResult, decodeFailure } from './errors.js';
import { computeIcrc } from './icrc.js';
import { type IpInfo, writeIpUdpHeaders } from './ip-headers.js';
import type { RocePacket } from './packet.js';
import { checkPacketShape, readTransport, transportLength, writeTransport } from './transport.js';

export interface EncodeOptions {
  /**
   * Compute the ICRC (default true). `false` writes four zero bytes: for links that never reach a real
   * RoCE peer (a simulated fabric), where the CRC would only cost time.
   */
  icrc?: boolean;
}

// IP + UDP headers rebuilt for the ICRC; synchronous use only.
const headerScratch = new Uint8Array(IPV6_HEADER_BYTES + UDP_HEADER_BYTES);

function icrcOverHeaders(ip: IpInfo, udpPayloadLength: number, transport: Uint8Array): number {
  const n = writeIpUdpHeaders(headerScratch, 0, ip, udpPayloadLength);
  const ipLength = n - UDP_HEADER_BYTES;
  return computeIcrc(headerScratch.subarray(0, ipLength), headerScratch.subarray(ipLength, n), transport);
}

/** Size of `encodeUdpPayload(packet)` in bytes. Throws RoceEncodeError for a malformed packet. */
export function udpPayloadLength(packet: RocePacket): number {
  return transportLength(packet, checkPacketShape(packet)) + ICRC_BYTES;
}

/** Encodes BTH … pad … ICRC. Throws RoceEncodeError (EINVAL / EMSGSIZE) naming the bad field. */
export function encodeUdpPayload(packet: RocePacket, ip: IpInfo, options: EncodeOptions = {}): Uint8Array {
  const info = checkPacketShape(packet);
  const length = transportLength(packet, info);
  const out = new Uint8Array(length + ICRC_BYTES);
  writeTransport(out, 0, packet, info);
  if (options.icrc ?? true) {
    const icrc = icrcOverHeaders(ip, out.length, out.subarray(0, length));
    new DataView(out.buffer).setUint32(length, icrc, true);
  }
  return out;
}

export type DecodeUdpPayloadOptions =
  | { ip: IpInfo; verifyIcrc?: true }
  /** Skip the ICRC check: when the IP header is unknown (a dgram socket does not see the IPv4 ID). */
  | { verifyIcrc: false; ip?: IpInfo };

export interface DecodedUdpPayload {
  readonly packet: RocePacket;
  /** The ICRC as read from the wire (little-endian). */
  readonly icrc: number;
  readonly icrcVerified: boolean;
}

/** Decodes BTH … ICRC. Never throws: a malformed payload gives `{ ok: false, reason, offset, detail }`. */
export function decodeUdpPayload(
  bytes: Uint8Array,
  options: DecodeUdpPayloadOptions,
): DecodeResult<DecodedUdpPayload> {
  const parsed = readTransport(bytes, 0, bytes.length);
  if (!parsed.ok) return parsed;
  const { packet, icrcOffset } = parsed.value;
  const icrc = new DataView(bytes.buffer, bytes.byteOffset).getUint32(icrcOffset, true);
  const ip = options.ip;
  if (options.verifyIcrc === false || ip === undefined) {
    return { ok: true, value: { packet, icrc, icrcVerified: false } };
  }
  let expected: number;
  try {
    expected = icrcOverHeaders(ip, bytes.length, bytes.subarray(0, icrcOffset));
  } catch (error) {
    // Endpoints the caller gave cannot form a header: report, do not throw out of a receive path.
    return decodeFailure(
      'BAD_ICRC',
      icrcOffset,
      `cannot rebuild IP/UDP headers: ${(error as Error).message}`,
    );
  }
  if (expected !== icrc) {
    return decodeFailure(
      'BAD_ICRC',
      icrcOffset,
      `ICRC is 0x${icrc.toString(16).padStart(8, '0')}, computed 0x${expected.toString(16).padStart(8, '0')}`,
    );
  }
  return { ok: true, value: { packet, icrc, icrcVerified: true } };
}
