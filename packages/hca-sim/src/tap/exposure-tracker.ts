import { Buffer } from 'node:buffer';
import { classifyAeth, type PacketRoute, type RocePacket, type TxProvenance } from '@rdmalab/roce';

const PSN_MODULUS = 0x1000000;

/** Whether PSN a is before b in the 24-bit circular space (rxe psn_compare < 0). */
function psnBefore(a: number, b: number): boolean {
  const d = (a - b + PSN_MODULUS) % PSN_MODULUS;
  return d >= PSN_MODULUS / 2;
}

/** A page the payload was gathered from, as the engine's provenance names it. */
export interface GatherSource {
  phys: number;
  length: number;
  /** Owner tag of the page at gather time (null = a free page). */
  owner: string | null;
  generation: number;
}

/**
 * A retransmission whose payload differs from the first transmission of the same (QP, PSN): the bytes
 * on the wire are no longer the ones the sender posted — the invariant I2 of DESIGN.md §5.
 */
export interface Exposure {
  /** Virtual time of the retransmission. */
  timeNs: number;
  /** Sending host name. */
  host: string;
  srcIp: string;
  dstIp: string;
  qpn: number;
  psn: number;
  wrId: number;
  /** When the first transmission left, and the pages it read. */
  firstTimeNs: number;
  firstSources: GatherSource[];
  /** The pages the retransmission read: their owner tags name whose bytes went on the wire. */
  sources: GatherSource[];
  /** Owner tags of the retransmission's pages that differ from the first transmission's (the new owners). */
  owners: (string | null)[];
  /** Offset of the first differing payload byte, and how many bytes differ. */
  firstDifferenceAt: number;
  differingBytes: number;
}

interface FirstTransmission {
  readonly psn: number;
  readonly timeNs: number;
  /** The bytes the first transmission put on the wire (the packet's own payload: see onTransmit). */
  readonly payload: Uint8Array;
  readonly sources: readonly GatherSource[];
}

/** PSN → first transmission, in transmission order (Map iteration order). */
type QpPsns = Map<number, FirstTransmission>;

/**
 * Remembers the first transmission of every payload-carrying request PSN until it is acknowledged,
 * and compares each retransmission with it. Memory stays bounded: ACKs and NAKs passing the other way
 * forget what they acknowledge, and at most `maxPerQp` PSNs are kept per QP.
 */
export class ExposureTracker {
  readonly exposures: Exposure[] = [];
  /** Source IP → sending QP number → its PSNs. Nested maps: no key string built per packet. */
  readonly #byIp = new Map<string, Map<number, QpPsns>>();

  constructor(private readonly maxPerQp = 8192) {}

  /**
   * A request packet with provenance left `host`. The first transmission is remembered by reference,
   * not copied: a packet belongs to the network once transmitted and nobody writes to it again (the
   * engine gathers every transmission into a buffer of its own), so its payload is exactly the bytes
   * that went on the wire.
   */
  onTransmit(
    host: string,
    packet: RocePacket,
    route: PacketRoute,
    provenance: TxProvenance,
    nowNs: number,
  ): void {
    const psns = this.psnsOf(route.srcIp, provenance.qpn, true)!;
    const first = psns.get(provenance.psn);
    if (!first) {
      if (psns.size >= this.maxPerQp) {
        const oldest = psns.keys().next().value;
        if (oldest !== undefined) psns.delete(oldest);
      }
      psns.set(provenance.psn, {
        psn: provenance.psn,
        timeNs: nowNs,
        payload: packet.payload,
        sources: provenance.sources,
      });
      return;
    }
    if (sameBytes(first.payload, packet.payload)) return;
    const diff = compare(first.payload, packet.payload)!;
    const firstOwners = new Set(first.sources.map((s) => s.owner));
    const owners: (string | null)[] = [];
    for (const s of provenance.sources) {
      if (!firstOwners.has(s.owner) && !owners.includes(s.owner)) owners.push(s.owner);
    }
    // Same owner tag but a newer page generation: the page was freed and reallocated to the same tag.
    if (owners.length === 0) {
      for (const s of provenance.sources) {
        const before = first.sources.find((f) => f.phys === s.phys);
        if (before && before.generation !== s.generation && !owners.includes(s.owner)) owners.push(s.owner);
      }
    }
    this.exposures.push({
      timeNs: nowNs,
      host,
      srcIp: route.srcIp,
      dstIp: route.dstIp,
      qpn: provenance.qpn,
      psn: provenance.psn,
      wrId: provenance.wrId,
      firstTimeNs: first.timeNs,
      firstSources: first.sources.map((s) => ({ ...s })),
      sources: provenance.sources.map((s) => ({ ...s })),
      owners,
      firstDifferenceAt: diff.at,
      differingBytes: diff.count,
    });
  }

  /** An acknowledgement travelling back to the requester forgets the PSNs it covers. */
  onResponse(packet: RocePacket, route: PacketRoute): void {
    if (!packet.aeth) return;
    const psns = this.psnsOf(route.dstIp, packet.bth.destQp, false);
    if (!psns || psns.size === 0) return;
    const ackPsn = packet.bth.psn;
    const inclusive = classifyAeth(packet.aeth.syndrome).type === 'ACK';
    // Entries are kept in transmission order, so the acknowledged ones come first.
    for (const psn of psns.keys()) {
      if (!(psnBefore(psn, ackPsn) || (inclusive && psn === ackPsn))) break;
      psns.delete(psn);
    }
  }

  /** PSNs currently remembered (all QPs). */
  get tracked(): number {
    let n = 0;
    for (const qps of this.#byIp.values()) for (const psns of qps.values()) n += psns.size;
    return n;
  }

  private psnsOf(ip: string, qpn: number, create: boolean): QpPsns | undefined {
    let qps = this.#byIp.get(ip);
    if (!qps) {
      if (!create) return undefined;
      qps = new Map();
      this.#byIp.set(ip, qps);
    }
    let psns = qps.get(qpn);
    if (!psns && create) {
      psns = new Map();
      qps.set(qpn, psns);
    }
    return psns;
  }
}

/** memcmp: most retransmissions carry the same bytes, and this is the per-retransmission cost. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.length === b.length &&
    Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))
  );
}

function compare(a: Uint8Array, b: Uint8Array): { at: number; count: number } | undefined {
  let at = -1;
  let count = 0;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) {
      if (at < 0) at = i;
      count++;
    }
  }
  return at < 0 ? undefined : { at, count };
}
