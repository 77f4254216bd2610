/**
 * rdma_cm's IP addressing on top of IB CM (IBA Annex A11 "RDMA IP CM Service"; drivers/infiniband/core/
 * cma.c): the service ID encodes port space and port, and a REQ's private data starts with a 36-byte
 * `struct cma_hdr` followed by the ULP's private data.
 */
import { type DecodeResult, decodeFailure, RoceEncodeError } from '../wire/errors.js';
import { checkUint } from '../wire/field-checks.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../wire/ip-address.js';
import { CM_PRIVATE_DATA_BYTES } from './messages.js';

/** rdma_cm port spaces (include/rdma/rdma_cm.h enum rdma_ucm_port_space). */
export const RdmaPortSpace = {
  TCP: 0x0106,
  UDP: 0x0111,
  IPOIB: 0x0002,
  IB: 0x013f,
} as const;

/** cma.c CMA_VERSION. */
export const CMA_VERSION = 0;
/** sizeof(struct cma_hdr). */
export const CMA_HDR_BYTES = 36;
/** ULP private data that fits after the cma_hdr in a REQ: 92 - 36 = 56 bytes. */
export const CMA_REQ_ULP_PRIVATE_DATA_BYTES = CM_PRIVATE_DATA_BYTES.REQ - CMA_HDR_BYTES;

/** Service ID rdma_cm uses for `port` (cma.c cma_get_service_id: (ps << 16) + port). */
export function ipServiceId(port: number, portSpace: number = RdmaPortSpace.TCP): bigint {
  checkUint('port', port, 16);
  checkUint('portSpace', portSpace, 16);
  return (BigInt(portSpace) << 16n) | BigInt(port);
}

/** Port space and port of an rdma_cm service ID, or undefined if it is not one (upper 32 bits non-zero). */
export function parseIpServiceId(serviceId: bigint): { portSpace: number; port: number } | undefined {
  if (serviceId >> 32n !== 0n) return undefined;
  return { portSpace: Number((serviceId >> 16n) & 0xffffn), port: Number(serviceId & 0xffffn) };
}

/** struct cma_hdr. */
export interface CmaIpHeader {
  ipVersion: 4 | 6;
  /** The active side's source port (network order on the wire). */
  srcPort: number;
  srcAddress: string;
  dstAddress: string;
}

function writeAddress(out: Uint8Array, offset: number, version: 4 | 6, address: string, field: string): void {
  // IPv4 goes in the last 4 bytes of the 16 (union cma_ip_addr.ip4.addr); Linux leaves the rest zero.
  if (version === 4) out.set(parseIpv4(address, field), offset + 12);
  else out.set(parseIpv6(address, field), offset);
}

/** REQ private data: cma_hdr then the ULP's bytes (at most 56). Throws RoceEncodeError. */
export function encodeCmaReqPrivateData(
  header: CmaIpHeader,
  ulpPrivateData: Uint8Array = new Uint8Array(),
): Uint8Array {
  if (header.ipVersion !== 4 && header.ipVersion !== 6) {
    throw new RoceEncodeError('EINVAL', 'ipVersion', `must be 4 or 6, got ${String(header.ipVersion)}`);
  }
  checkUint('srcPort', header.srcPort, 16);
  if (ulpPrivateData.length > CMA_REQ_ULP_PRIVATE_DATA_BYTES) {
    throw new RoceEncodeError(
      'EMSGSIZE',
      'ulpPrivateData',
      `${ulpPrivateData.length} bytes exceeds the ${CMA_REQ_ULP_PRIVATE_DATA_BYTES} left after cma_hdr`,
    );
  }
  const out = new Uint8Array(CMA_HDR_BYTES + ulpPrivateData.length);
  out[0] = CMA_VERSION;
  out[1] = header.ipVersion << 4; // bits 7:4 (cma.c cma_set_ip_ver)
  out[2] = header.srcPort >> 8;
  out[3] = header.srcPort & 0xff;
  writeAddress(out, 4, header.ipVersion, header.srcAddress, 'srcAddress');
  writeAddress(out, 20, header.ipVersion, header.dstAddress, 'dstAddress');
  out.set(ulpPrivateData, CMA_HDR_BYTES);
  return out;
}

export type CmaDecodeReason = 'TRUNCATED' | 'BAD_CMA_VERSION' | 'BAD_IP_VERSION';

export interface DecodedCmaPrivateData {
  readonly header: CmaIpHeader;
  /** Everything after the cma_hdr (for a decoded REQ: 56 bytes, zero-padded). */
  readonly ulpPrivateData: Uint8Array;
}

/** Parses cma_hdr from a REQ's private data, as cma.c cma_save_ip_info does. Never throws. */
export function decodeCmaReqPrivateData(
  bytes: Uint8Array,
): DecodeResult<DecodedCmaPrivateData, CmaDecodeReason> {
  if (bytes.length < CMA_HDR_BYTES) {
    return decodeFailure('TRUNCATED', bytes.length, `cma_hdr is ${CMA_HDR_BYTES} bytes, got ${bytes.length}`);
  }
  if (bytes[0] !== CMA_VERSION) {
    return decodeFailure('BAD_CMA_VERSION', 0, `cma_version ${bytes[0]}, expected 0`);
  }
  const ipVersion = bytes[1]! >> 4;
  if (ipVersion !== 4 && ipVersion !== 6) {
    return decodeFailure('BAD_IP_VERSION', 1, `ip_version ${ipVersion} is neither 4 nor 6`);
  }
  const address = (offset: number): string =>
    ipVersion === 4 ? formatIpv4(bytes, offset + 12) : formatIpv6(bytes, offset);
  return {
    ok: true,
    value: {
      header: {
        ipVersion,
        srcPort: (bytes[2]! << 8) | bytes[3]!,
        srcAddress: address(4),
        dstAddress: address(20),
      },
      ulpPrivateData: bytes.slice(CMA_HDR_BYTES),
    },
  };
}
