import type { XdrDecoder } from '../xdr/decoder.js';
import type { XdrEncoder } from '../xdr/encoder.js';
import { XdrError } from '../xdr/errors.js';

/** rpcbind / portmapper program number (RFC 1833 §2, §3). */
export const RPCBIND_PROGRAM = 100000;
/** Well-known rpcbind port (RFC 1833 §2). */
export const RPCBIND_PORT = 111;
/** Portmapper protocol version (RFC 1833 §3). */
export const PMAP_VERSION = 2;
/** rpcbind protocol versions (RFC 1833 §2). */
export const RPCBIND_VERSION_3 = 3;
export const RPCBIND_VERSION_4 = 4;

/** Portmapper v2 procedures (RFC 1833 §3.2). */
export const PmapProc = { NULL: 0, SET: 1, UNSET: 2, GETPORT: 3, DUMP: 4, CALLIT: 5 } as const;
/** rpcbind v3/v4 procedures (RFC 1833 §2.2). */
export const RpcbProc = { NULL: 0, SET: 1, UNSET: 2, GETADDR: 3, DUMP: 4, CALLIT: 5, GETTIME: 6 } as const;

/** Protocol numbers in a portmapper mapping (RFC 1833 §3.1). */
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** struct mapping (RFC 1833 §3.1). */
export interface PmapMapping {
  readonly prog: number;
  readonly vers: number;
  /** IPPROTO_TCP or IPPROTO_UDP. */
  readonly prot: number;
  readonly port: number;
}

/** struct rpcb (RFC 1833 §2.1). */
export interface RpcbEntry {
  readonly prog: number;
  readonly vers: number;
  /** "tcp", "udp", "tcp6", "local", "rdma"… */
  readonly netid: string;
  /** Universal address ("127.0.0.1.0.111"), see {@link parseUniversalAddress}. */
  readonly addr: string;
  readonly owner: string;
}

export function encodeMapping(enc: XdrEncoder, m: PmapMapping): void {
  enc.writeUint(m.prog, 'mapping.prog');
  enc.writeUint(m.vers, 'mapping.vers');
  enc.writeUint(m.prot, 'mapping.prot');
  enc.writeUint(m.port, 'mapping.port');
}

export function decodeMapping(dec: XdrDecoder): PmapMapping {
  return {
    prog: dec.readUint('mapping.prog'),
    vers: dec.readUint('mapping.vers'),
    prot: dec.readUint('mapping.prot'),
    port: dec.readUint('mapping.port'),
  };
}

export function encodeRpcb(enc: XdrEncoder, r: RpcbEntry): void {
  enc.writeUint(r.prog, 'rpcb.r_prog');
  enc.writeUint(r.vers, 'rpcb.r_vers');
  enc.writeString(r.netid, undefined, 'rpcb.r_netid');
  enc.writeString(r.addr, undefined, 'rpcb.r_addr');
  enc.writeString(r.owner, undefined, 'rpcb.r_owner');
}

export function decodeRpcb(dec: XdrDecoder): RpcbEntry {
  return {
    prog: dec.readUint('rpcb.r_prog'),
    vers: dec.readUint('rpcb.r_vers'),
    netid: dec.readString('rpcb.r_netid', 255),
    addr: dec.readString('rpcb.r_addr', 255),
    owner: dec.readString('rpcb.r_owner', 255),
  };
}

/** pmaplist / rpcblist_ptr: an XDR linked list (optional-data chain) of items. */
export function decodeList<T>(dec: XdrDecoder, field: string, readItem: (dec: XdrDecoder) => T): T[] {
  const out: T[] = [];
  while (dec.readBool(`${field}.next`)) out.push(readItem(dec));
  return out;
}

/** Encode items as an XDR linked list. */
export function encodeList<T>(
  enc: XdrEncoder,
  items: readonly T[],
  writeItem: (enc: XdrEncoder, item: T) => void,
): void {
  for (const item of items) {
    enc.writeBool(true);
    writeItem(enc, item);
  }
  enc.writeBool(false);
}

/**
 * Universal address of an IPv4 or IPv6 transport address (RFC 5665 §5.2.3.3 / §5.2.3.4):
 * the host, then the port as two decimal octets ("127.0.0.1.0.111" = 127.0.0.1 port 111).
 */
export function formatUniversalAddress(host: string, port: number): string {
  return `${host}.${port >>> 8}.${port & 0xff}`;
}

/** Parse a universal address; EINVAL if it is not host.p1.p2 with octets in range. */
export function parseUniversalAddress(uaddr: string): { host: string; port: number } {
  const m = /^(.+)\.(\d{1,3})\.(\d{1,3})$/.exec(uaddr);
  const hi = m ? Number(m[2]) : -1;
  const lo = m ? Number(m[3]) : -1;
  if (m === null || hi > 255 || lo > 255) {
    throw new XdrError('EINVAL', 'universal address', 0, `"${uaddr}" is not host.p1.p2`);
  }
  return { host: m[1]!, port: hi * 256 + lo };
}
