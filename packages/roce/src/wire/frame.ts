/**
 * Ethernet II / IPv4 / UDP framing of RoCEv2 as rxe sends it (rxe_net.c): dest port 4791, source port
 * per QP, DF set, IP checksum computed, UDP checksum 0. Frames carry no FCS (as in a pcap).
 */
import {
  ETHERNET_HEADER_BYTES,
  ETHERTYPE_IPV4,
  ETHERTYPE_VLAN,
  ICRC_BYTES,
  IPPROTO_UDP,
  IPV4_FLAG_DF,
  IPV4_FLAG_MF,
  IPV4_HEADER_BYTES,
  ROCE_V2_UDP_DPORT,
  UDP_HEADER_BYTES,
} from './constants.js';
import { type DecodeResult, decodeFailure } from './errors.js';
import { computeIcrc } from './icrc.js';
import { formatIpv4, formatMac, macBytes } from './ip-address.js';
import { onesComplementSum, udpIpv4ChecksumVerifies, writeIpv4Header, writeUdpHeader } from './ip-headers.js';
import type { RocePacket } from './packet.js';
import { checkPacketShape, readTransport, transportLength, writeTransport } from './transport.js';
import type { EncodeOptions } from './udp-payload.js';
import { rxeUdpSourcePort } from './udp-source-port.js';

export interface FrameInit {
  srcMac: string;
  dstMac: string;
  srcIp: string;
  dstIp: string;
  /** Sending QP; gives the UDP source port by rxe's rule unless `srcPort` is set. */
  srcQpn: number;
  packet: RocePacket;
  /** Overrides the rxe source-port rule (e.g. for a GSI/QP1 packet captured from hardware). */
  srcPort?: number;
  /** IPv4 Identification, default 0. */
  identification?: number;
  /** DSCP+ECN, default 0. */
  tos?: number;
  /** Default 64. */
  ttl?: number;
}

/** Encodes a complete Ethernet frame. Throws RoceEncodeError (EINVAL / EMSGSIZE) naming the bad field. */
export function encodeFrame(init: FrameInit, options: EncodeOptions = {}): Uint8Array {
  const info = checkPacketShape(init.packet);
  const srcPort = init.srcPort ?? rxeUdpSourcePort(init.srcQpn);
  const transport = transportLength(init.packet, info);
  const udpLength = UDP_HEADER_BYTES + transport + ICRC_BYTES;
  const ipOffset = ETHERNET_HEADER_BYTES;
  const udpOffset = ipOffset + IPV4_HEADER_BYTES;
  const bthOffset = udpOffset + UDP_HEADER_BYTES;
  const out = new Uint8Array(bthOffset + transport + ICRC_BYTES);
  // Smallest RoCEv2 frame (ACK) is 62 bytes: above Ethernet's 60-byte minimum, so no trailer padding.
  out.set(macBytes(init.dstMac, 'dstMac'), 0);
  out.set(macBytes(init.srcMac, 'srcMac'), 6);
  out[12] = ETHERTYPE_IPV4 >> 8;
  out[13] = ETHERTYPE_IPV4 & 0xff;
  writeIpv4Header(
    out,
    ipOffset,
    {
      src: init.srcIp,
      dst: init.dstIp,
      srcPort,
      identification: init.identification,
      tos: init.tos,
      ttl: init.ttl,
    },
    udpLength,
  );
  writeUdpHeader(out, udpOffset, srcPort, ROCE_V2_UDP_DPORT, udpLength);
  writeTransport(out, bthOffset, init.packet, info);
  if (options.icrc ?? true) {
    const icrc = computeIcrc(
      out.subarray(ipOffset, udpOffset),
      out.subarray(udpOffset, bthOffset),
      out.subarray(bthOffset, bthOffset + transport),
    );
    new DataView(out.buffer).setUint32(bthOffset + transport, icrc, true);
  }
  return out;
}

export interface DecodedFrame {
  readonly dstMac: string;
  readonly srcMac: string;
  /** 802.1Q VLAN ID when the frame was tagged. */
  readonly vlanId?: number;
  readonly ip: {
    readonly src: string;
    readonly dst: string;
    readonly tos: number;
    readonly ttl: number;
    readonly identification: number;
    readonly dontFragment: boolean;
  };
  readonly udp: { readonly srcPort: number; readonly dstPort: number };
  readonly packet: RocePacket;
  readonly icrc: number;
  readonly icrcVerified: boolean;
}

export interface DecodeFrameOptions {
  /** Verify the ICRC (default true). */
  verifyIcrc?: boolean;
  /** UDP port to accept as RoCEv2 (default 4791). */
  udpPort?: number;
}

/**
 * Decodes an Ethernet frame (optionally 802.1Q-tagged) carrying IPv4/UDP/RoCEv2. Never throws:
 * a malformed frame gives `{ ok: false, reason, offset, detail }`. Trailing Ethernet padding is ignored.
 */
export function decodeFrame(bytes: Uint8Array, options: DecodeFrameOptions = {}): DecodeResult<DecodedFrame> {
  if (bytes.length < ETHERNET_HEADER_BYTES) {
    return decodeFailure(
      'TRUNCATED',
      bytes.length,
      `${bytes.length} bytes is shorter than an Ethernet header`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let ethertype = view.getUint16(12);
  let ipOffset = ETHERNET_HEADER_BYTES;
  let vlanId: number | undefined;
  if (ethertype === ETHERTYPE_VLAN) {
    if (bytes.length < ETHERNET_HEADER_BYTES + 4) {
      return decodeFailure('TRUNCATED', bytes.length, 'frame ends inside the 802.1Q tag');
    }
    vlanId = view.getUint16(14) & 0x0fff;
    ethertype = view.getUint16(16);
    ipOffset += 4;
  }
  if (ethertype !== ETHERTYPE_IPV4) {
    return decodeFailure(
      'BAD_ETHERTYPE',
      ipOffset - 2,
      `EtherType 0x${ethertype.toString(16).padStart(4, '0')} is not IPv4 (IPv6 framing: use decodeUdpPayload)`,
    );
  }
  if (bytes.length < ipOffset + IPV4_HEADER_BYTES) {
    return decodeFailure('TRUNCATED', bytes.length, 'frame ends inside the IPv4 header');
  }
  const versionIhl = view.getUint8(ipOffset);
  if (versionIhl !== 0x45) {
    return decodeFailure(
      'BAD_IP_HEADER',
      ipOffset,
      `version/IHL byte 0x${versionIhl.toString(16)}: need IPv4 without options (0x45)`,
    );
  }
  if (onesComplementSum(bytes, ipOffset, IPV4_HEADER_BYTES) !== 0xffff) {
    return decodeFailure('BAD_IP_CHECKSUM', ipOffset + 10, 'IPv4 header checksum does not verify');
  }
  const totalLength = view.getUint16(ipOffset + 2);
  if (totalLength < IPV4_HEADER_BYTES + UDP_HEADER_BYTES) {
    return decodeFailure('BAD_IP_HEADER', ipOffset + 2, `IPv4 total length ${totalLength} cannot hold UDP`);
  }
  if (ipOffset + totalLength > bytes.length) {
    return decodeFailure(
      'TRUNCATED',
      bytes.length,
      `IPv4 total length ${totalLength} runs past the frame end (${bytes.length - ipOffset} bytes)`,
    );
  }
  const flagsFragment = view.getUint16(ipOffset + 6);
  if ((flagsFragment & IPV4_FLAG_MF) !== 0 || (flagsFragment & 0x1fff) !== 0) {
    return decodeFailure('IP_FRAGMENT', ipOffset + 6, 'fragmented IPv4 datagram');
  }
  const protocol = view.getUint8(ipOffset + 9);
  if (protocol !== IPPROTO_UDP) {
    return decodeFailure('NOT_UDP', ipOffset + 9, `IP protocol ${protocol} is not UDP (17)`);
  }
  const udpOffset = ipOffset + IPV4_HEADER_BYTES;
  const ipEnd = ipOffset + totalLength;
  const udpLength = view.getUint16(udpOffset + 4);
  if (udpLength !== totalLength - IPV4_HEADER_BYTES) {
    return decodeFailure(
      'LENGTH_MISMATCH',
      udpOffset + 4,
      `UDP length ${udpLength} disagrees with IPv4 payload length ${totalLength - IPV4_HEADER_BYTES}`,
    );
  }
  const srcPort = view.getUint16(udpOffset);
  const dstPort = view.getUint16(udpOffset + 2);
  if (dstPort !== (options.udpPort ?? ROCE_V2_UDP_DPORT)) {
    return decodeFailure('NOT_ROCE_PORT', udpOffset + 2, `UDP destination port ${dstPort} is not RoCEv2's`);
  }
  const udpChecksum = view.getUint16(udpOffset + 6);
  if (
    udpChecksum !== 0 &&
    !udpIpv4ChecksumVerifies(bytes.subarray(ipOffset, udpOffset), bytes.subarray(udpOffset, ipEnd))
  ) {
    return decodeFailure('BAD_UDP_CHECKSUM', udpOffset + 6, 'non-zero UDP checksum does not verify');
  }
  const bthOffset = udpOffset + UDP_HEADER_BYTES;
  const parsed = readTransport(bytes, bthOffset, ipEnd - bthOffset);
  if (!parsed.ok) return parsed;
  const { packet, icrcOffset } = parsed.value;
  const icrc = view.getUint32(icrcOffset, true);
  const verify = options.verifyIcrc ?? true;
  if (verify) {
    const expected = computeIcrc(
      bytes.subarray(ipOffset, udpOffset),
      bytes.subarray(udpOffset, bthOffset),
      bytes.subarray(bthOffset, icrcOffset),
    );
    if (expected !== icrc) {
      return decodeFailure(
        'BAD_ICRC',
        icrcOffset,
        `ICRC is 0x${icrc.toString(16).padStart(8, '0')}, computed 0x${expected.toString(16).padStart(8, '0')}`,
      );
    }
  }
  return {
    ok: true,
    value: {
      dstMac: formatMac(bytes, 0),
      srcMac: formatMac(bytes, 6),
      ...(vlanId === undefined ? {} : { vlanId }),
      ip: {
        src: formatIpv4(bytes, ipOffset + 12),
        dst: formatIpv4(bytes, ipOffset + 16),
        tos: view.getUint8(ipOffset + 1),
        ttl: view.getUint8(ipOffset + 8),
        identification: view.getUint16(ipOffset + 4),
        dontFragment: (flagsFragment & IPV4_FLAG_DF) !== 0,
      },
      udp: { srcPort, dstPort },
      packet,
      icrc,
      icrcVerified: verify,
    },
  };
}
