import { SimError } from '../errors.js';

/** A host's cable to the switch. The path between two hosts is two such links through the switch. */
export interface LinkOptions {
  /** One-way propagation + switching latency per link, ns (default 500: a short DAC cable and a cut-through switch). */
  latencyNs?: number;
  /** Line rate in Gbit/s; each frame takes bytes × 8 / rate to serialize (default 100). */
  bandwidthGbps?: number;
  /**
   * Ethernet MTU in bytes: the largest IP packet the link carries (default 4200, enough for RoCE's 4096-byte
   * IB MTU plus headers). Larger packets are dropped and counted, as a switch drops oversize frames.
   */
  mtu?: number;
}

export interface ResolvedLink {
  readonly latencyNs: number;
  /** ns per byte. */
  readonly nsPerByte: number;
  readonly mtu: number;
}

export const DEFAULT_LINK: Required<LinkOptions> = { latencyNs: 500, bandwidthGbps: 100, mtu: 4200 };

export function resolveLink(
  field: string,
  options: LinkOptions | undefined,
  base: ResolvedLink,
): ResolvedLink {
  if (!options) return base;
  const latencyNs = options.latencyNs ?? base.latencyNs;
  if (!Number.isFinite(latencyNs) || latencyNs < 0) {
    throw new SimError(
      'EINVAL',
      `${field}.latencyNs must be a non-negative number, got ${options.latencyNs}`,
    );
  }
  let nsPerByte = base.nsPerByte;
  if (options.bandwidthGbps !== undefined) {
    if (!Number.isFinite(options.bandwidthGbps) || options.bandwidthGbps <= 0) {
      throw new SimError(
        'EINVAL',
        `${field}.bandwidthGbps must be a positive number, got ${options.bandwidthGbps}`,
      );
    }
    nsPerByte = 8 / options.bandwidthGbps;
  }
  const mtu = options.mtu ?? base.mtu;
  // 576 is the smallest MTU every IPv4 host must accept (RFC 791); below it RoCE cannot even carry a CM MAD.
  if (!Number.isInteger(mtu) || mtu < 576 || mtu > 65535) {
    throw new SimError('EINVAL', `${field}.mtu must be an integer 576..65535, got ${options.mtu}`);
  }
  return { latencyNs, nsPerByte, mtu };
}

export const DEFAULT_RESOLVED_LINK: ResolvedLink = {
  latencyNs: DEFAULT_LINK.latencyNs,
  nsPerByte: 8 / DEFAULT_LINK.bandwidthGbps,
  mtu: DEFAULT_LINK.mtu,
};
