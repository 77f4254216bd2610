import { computeIcrc, IPPROTO_UDP, IPV4_FLAG_DF, parseIpv4, ROCE_V2_UDP_DPORT } from '@rdmalab/roce';
import { Ipv4IdSolver } from './ipv4-id-solver.js';

/**
 * How received ICRCs are checked. A node:dgram socket cannot read the IPv4 header, whose
 * Identification the ICRC covers, and Linux fills it in for us (see README "ICRC and the IPv4 ID"):
 * - `any-ip-id` (default): accept when some Identification makes the ICRC right (solved, counted);
 * - `zero-ip-id`: accept only the ICRC computed with Identification 0 (what Linux writes on DF datagrams
 *   of sockets with IP_PMTUDISC_DO; node:dgram sockets do not set it, so this rejects Node senders);
 * - `off`: do not check.
 */
export type IcrcPolicy = 'any-ip-id' | 'zero-ip-id' | 'off';

export const ICRC_POLICIES: readonly IcrcPolicy[] = ['any-ip-id', 'zero-ip-id', 'off'];

/** 8 (LRH placeholder) + IPv4 (20) + UDP (8): CRC input bytes before the BTH. */
const CRC_PREFIX_BYTES = 36;
const IPV4_BYTES = 20;
const UDP_BYTES = 8;
/** TTL rxe puts in its IPv4 header by default; masked out of the ICRC anyway. */
const DEFAULT_TTL = 64;

/** Result of one check: the IPv4 ID the ICRC was valid under, `undefined` when unchecked, or `false`. */
export type IcrcVerdict = number | undefined | false;

/** Checks received ICRCs for one local IPv4 address, rebuilding the IP/UDP headers the sender's kernel wrote. */
export class IcrcCheck {
  readonly #solver = new Ipv4IdSolver();
  readonly #ip = new Uint8Array(IPV4_BYTES);
  readonly #udp = new Uint8Array(UDP_BYTES);
  readonly #ipView = new DataView(this.#ip.buffer);
  readonly #udpView = new DataView(this.#udp.buffer);
  readonly #sources = new Map<string, Uint8Array>();

  constructor(
    readonly policy: IcrcPolicy,
    localIp: string,
  ) {
    this.#ip[0] = 0x45; // version 4, IHL 5: rxe sends no IP options
    this.#ipView.setUint16(6, IPV4_FLAG_DF);
    this.#ip[8] = DEFAULT_TTL;
    this.#ip[9] = IPPROTO_UDP;
    this.#ip.set(parseIpv4(localIp, 'ip'), 16);
    this.#udpView.setUint16(2, ROCE_V2_UDP_DPORT);
  }

  /** Check the ICRC of `datagram` (a whole RoCEv2 UDP payload) that came from `srcIp`:`srcPort`. */
  verify(datagram: Uint8Array, srcIp: string, srcPort: number): IcrcVerdict {
    if (this.policy === 'off') return undefined;
    const icrcOffset = datagram.length - 4;
    let src = this.#sources.get(srcIp);
    if (src === undefined) {
      src = parseIpv4(srcIp, 'srcIp');
      if (this.#sources.size > 1024) this.#sources.clear();
      this.#sources.set(srcIp, src);
    }
    this.#ip.set(src, 12);
    this.#ipView.setUint16(2, IPV4_BYTES + UDP_BYTES + datagram.length);
    this.#udpView.setUint16(0, srcPort);
    this.#udpView.setUint16(4, UDP_BYTES + datagram.length);
    const withZeroId = computeIcrc(this.#ip, this.#udp, datagram.subarray(0, icrcOffset));
    const received = new DataView(datagram.buffer, datagram.byteOffset).getUint32(icrcOffset, true);
    if (withZeroId === received) return 0;
    if (this.policy === 'zero-ip-id') return false;
    return this.#solver.solve(CRC_PREFIX_BYTES + icrcOffset, withZeroId, received) ?? false;
  }
}
