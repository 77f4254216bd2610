/**
 * IPv4 (RFC 791), IPv6 (RFC 8200) and UDP (RFC 768) headers as rxe builds them
 * (rxe_net.c prepare_ipv4_hdr / prepare_ipv6_hdr / prepare_udp_hdr).
 */
import {
  IPPROTO_UDP,
  IPV4_FLAG_DF,
  IPV4_HEADER_BYTES,
  IPV6_HEADER_BYTES,
  ROCE_V2_UDP_DPORT,
  UDP_HEADER_BYTES,
} from './constants.js';
import { checkUint } from './field-checks.js';
import { parseIpv4, parseIpv6 } from './ip-address.js';

/**
 * Network endpoints of a RoCEv2 packet. The ICRC covers the IP/UDP headers except the fields routers
 * change, so the codec needs these even for a bare UDP payload.
 */
export interface Ipv4Info {
  version?: 4;
  src: string;
  dst: string;
  srcPort: number;
  /** Default 4791. */
  dstPort?: number;
  /** IPv4 Identification; covered by the ICRC. Default 0 (what Linux puts in DF datagrams of unconnected sockets). */
  identification?: number;
  /** DF flag; rxe sets it. Default true. */
  dontFragment?: boolean;
  /** TOS (DSCP+ECN); masked out of the ICRC. Default 0. */
  tos?: number;
  /** TTL; masked out of the ICRC. Default 64. */
  ttl?: number;
}

export interface Ipv6Info {
  version: 6;
  src: string;
  dst: string;
  srcPort: number;
  dstPort?: number;
  /** Traffic class; masked out of the ICRC. Default 0. */
  trafficClass?: number;
  /** Flow label; masked out of the ICRC. Default 0. */
  flowLabel?: number;
  /** Hop limit; masked out of the ICRC. Default 64. */
  hopLimit?: number;
}

export type IpInfo = Ipv4Info | Ipv6Info;

export const DEFAULT_TTL = 64;

/** RFC 1071 one's-complement sum of 16-bit words, folded, not complemented. */
export function onesComplementSum(bytes: Uint8Array, offset: number, length: number, initial = 0): number {
  let sum = initial;
  const end = offset + length;
  let i = offset;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Writes a 20-byte IPv4 header carrying UDP, with its checksum. */
export function writeIpv4Header(
  out: Uint8Array,
  offset: number,
  info: Ipv4Info,
  payloadLength: number,
  src: Uint8Array = parseIpv4(info.src, 'src'),
  dst: Uint8Array = parseIpv4(info.dst, 'dst'),
): void {
  const tos = info.tos ?? 0;
  const ttl = info.ttl ?? DEFAULT_TTL;
  const id = info.identification ?? 0;
  checkUint('tos', tos, 8);
  checkUint('ttl', ttl, 8);
  checkUint('identification', id, 16);
  const totalLength = IPV4_HEADER_BYTES + payloadLength;
  checkUint('ip.totalLength', totalLength, 16);
  const view = new DataView(out.buffer, out.byteOffset + offset, IPV4_HEADER_BYTES);
  view.setUint8(0, 0x45); // version 4, IHL 5: rxe sends no options
  view.setUint8(1, tos);
  view.setUint16(2, totalLength);
  view.setUint16(4, id);
  view.setUint16(6, (info.dontFragment ?? true) ? IPV4_FLAG_DF : 0);
  view.setUint8(8, ttl);
  view.setUint8(9, IPPROTO_UDP);
  view.setUint16(10, 0);
  out.set(src, offset + 12);
  out.set(dst, offset + 16);
  view.setUint16(10, ~onesComplementSum(out, offset, IPV4_HEADER_BYTES) & 0xffff);
}

/** Writes a 40-byte IPv6 header carrying UDP. */
export function writeIpv6Header(
  out: Uint8Array,
  offset: number,
  info: Ipv6Info,
  payloadLength: number,
): void {
  const tc = info.trafficClass ?? 0;
  const flow = info.flowLabel ?? 0;
  const hop = info.hopLimit ?? DEFAULT_TTL;
  checkUint('trafficClass', tc, 8);
  checkUint('flowLabel', flow, 20);
  checkUint('hopLimit', hop, 8);
  checkUint('ip.payloadLength', payloadLength, 16);
  const view = new DataView(out.buffer, out.byteOffset + offset, IPV6_HEADER_BYTES);
  view.setUint32(0, ((6 << 28) | (tc << 20) | flow) >>> 0);
  view.setUint16(4, payloadLength);
  view.setUint8(6, IPPROTO_UDP);
  view.setUint8(7, hop);
  out.set(parseIpv6(info.src, 'src'), offset + 8);
  out.set(parseIpv6(info.dst, 'dst'), offset + 24);
}

/** Writes a UDP header; rxe leaves the checksum 0 on IPv4 (rxe_net.c prepare_udp_hdr). */
export function writeUdpHeader(
  out: Uint8Array,
  offset: number,
  srcPort: number,
  dstPort: number,
  length: number,
  checksum = 0,
): void {
  checkUint('srcPort', srcPort, 16);
  checkUint('dstPort', dstPort, 16);
  checkUint('udp.length', length, 16);
  const view = new DataView(out.buffer, out.byteOffset + offset, UDP_HEADER_BYTES);
  view.setUint16(0, srcPort);
  view.setUint16(2, dstPort);
  view.setUint16(4, length);
  view.setUint16(6, checksum);
}

/** Writes the IP and UDP headers of `info` for a UDP payload of `udpPayloadLength`; returns bytes written. */
export function writeIpUdpHeaders(
  out: Uint8Array,
  offset: number,
  info: IpInfo,
  udpPayloadLength: number,
): number {
  const udpLength = UDP_HEADER_BYTES + udpPayloadLength;
  const dstPort = info.dstPort ?? ROCE_V2_UDP_DPORT;
  if (info.version === 6) {
    writeIpv6Header(out, offset, info, udpLength);
    writeUdpHeader(out, offset + IPV6_HEADER_BYTES, info.srcPort, dstPort, udpLength);
    return IPV6_HEADER_BYTES + UDP_HEADER_BYTES;
  }
  writeIpv4Header(out, offset, info, udpLength);
  writeUdpHeader(out, offset + IPV4_HEADER_BYTES, info.srcPort, dstPort, udpLength);
  return IPV4_HEADER_BYTES + UDP_HEADER_BYTES;
}

function udpPseudoHeaderSum(ipHeader: Uint8Array, udpLength: number): number {
  const pseudo = new Uint8Array(12);
  pseudo.set(ipHeader.subarray(12, 20), 0);
  pseudo[9] = IPPROTO_UDP;
  pseudo[10] = udpLength >> 8;
  pseudo[11] = udpLength & 0xff;
  return onesComplementSum(pseudo, 0, 12);
}

/** UDP checksum over the IPv4 pseudo-header (RFC 768) of a datagram whose checksum field is zero. */
export function udpIpv4Checksum(ipHeader: Uint8Array, udpDatagram: Uint8Array): number {
  const sum = onesComplementSum(
    udpDatagram,
    0,
    udpDatagram.length,
    udpPseudoHeaderSum(ipHeader, udpDatagram.length),
  );
  const checksum = ~sum & 0xffff;
  return checksum === 0 ? 0xffff : checksum; // RFC 768: a computed 0 is sent as all ones
}

/** Whether a datagram's non-zero UDP checksum verifies (the sum over pseudo-header and datagram is 0xFFFF). */
export function udpIpv4ChecksumVerifies(ipHeader: Uint8Array, udpDatagram: Uint8Array): boolean {
  return (
    onesComplementSum(
      udpDatagram,
      0,
      udpDatagram.length,
      udpPseudoHeaderSum(ipHeader, udpDatagram.length),
    ) === 0xffff
  );
}
