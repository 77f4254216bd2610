/**
 * Invariant CRC exactly as Linux rxe computes it (rxe_icrc.c rxe_icrc_hdr / rxe_icrc_generate; IBA
 * Annex A17.3.3): CRC-32 over 8 bytes of 0xFF (the masked LRH placeholder, seed 0xdebb20e3), the IP and
 * UDP headers with their variant fields set to all ones, the BTH with byte 4 (FECN/BECN/resv6) set to
 * 0xFF, then the remaining headers, payload and pad. Stored little-endian on the wire (`*icrcp = ~crc`
 * on x86).
 */
import { crc32 } from 'node:zlib';
import { BTH_BYTES, IPV4_HEADER_BYTES, IPV6_HEADER_BYTES, UDP_HEADER_BYTES } from './constants.js';
import { RoceEncodeError } from './errors.js';

const LRH_PLACEHOLDER_BYTES = 8;
// Scratch for the masked prefix; computeIcrc is synchronous, so one module-level buffer is safe.
const scratch = new Uint8Array(LRH_PLACEHOLDER_BYTES + IPV6_HEADER_BYTES + UDP_HEADER_BYTES + BTH_BYTES);
scratch.fill(0xff, 0, LRH_PLACEHOLDER_BYTES);

/**
 * ICRC of a RoCEv2 packet. `ipHeader` is the 20-byte IPv4 or 40-byte IPv6 header as sent, `udpHeader`
 * the 8-byte UDP header, `transport` the bytes from the BTH through the pad (without the ICRC).
 * Returns the 32-bit value whose little-endian bytes go on the wire.
 */
export function computeIcrc(ipHeader: Uint8Array, udpHeader: Uint8Array, transport: Uint8Array): number {
  if (ipHeader.length !== IPV4_HEADER_BYTES && ipHeader.length !== IPV6_HEADER_BYTES) {
    throw new RoceEncodeError(
      'EINVAL',
      'ipHeader',
      `must be 20 (IPv4) or 40 (IPv6) bytes, got ${ipHeader.length}`,
    );
  }
  if (udpHeader.length !== UDP_HEADER_BYTES || transport.length < BTH_BYTES) {
    throw new RoceEncodeError(
      'EINVAL',
      'transport',
      'UDP header must be 8 bytes and transport at least a BTH',
    );
  }
  let n = LRH_PLACEHOLDER_BYTES;
  scratch.set(ipHeader, n);
  if (ipHeader.length === IPV4_HEADER_BYTES) {
    scratch[n + 1] = 0xff; // TOS (DSCP + ECN)
    scratch[n + 8] = 0xff; // TTL
    scratch[n + 10] = 0xff; // header checksum
    scratch[n + 11] = 0xff;
  } else {
    scratch[n] = (scratch[n]! | 0x0f) & 0xff; // traffic class high nibble (ipv6hdr.priority)
    scratch[n + 1] = 0xff; // traffic class low nibble + flow label
    scratch[n + 2] = 0xff;
    scratch[n + 3] = 0xff;
    scratch[n + 7] = 0xff; // hop limit
  }
  n += ipHeader.length;
  scratch.set(udpHeader, n);
  scratch[n + 6] = 0xff; // UDP checksum
  scratch[n + 7] = 0xff;
  n += UDP_HEADER_BYTES;
  scratch.set(transport.subarray(0, BTH_BYTES), n);
  scratch[n + 4] = 0xff; // BTH resv8a: FECN, BECN, resv6
  n += BTH_BYTES;
  const crc = crc32(scratch.subarray(0, n));
  return crc32(transport.subarray(BTH_BYTES), crc) >>> 0;
}
