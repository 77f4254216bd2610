import { Buffer } from 'node:buffer';
import {
  classifyAeth as classifyAethImport,
  type PacketRoute,
  type RocePacket,
  type TxProvenance,
} from '@rdmalab/roce';
import { TransmissionLog } from './transmission-log.js';

// Imported values used per packet, bound to module-local names once: under a module runner (vitest,
// where tests and fault sweeps run) every use of an imported binding is a getter call, which costs
// more than the operation and keeps the hot path from being inlined.
const classifyAeth = classifyAethImport;

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
  /** A copy of the bytes the first transmission put on the wire. */
  readonly payload: Uint8Array;
  readonly sources: readonly GatherSource[];
}

/** Payloads above this are copied into reusable blocks; smaller ones into fresh buffers of their size. */
const BLOCK_MIN_BYTES = 512;
/** The largest RoCE payload (IB MTU 4096), the block size. */
const BLOCK_BYTES = 4096;
/** Free blocks kept for reuse (4 MiB). */
const MAX_FREE_BLOCKS = 1024;

/** One QP's first transmissions, in transmission order. */
type QpPsns = TransmissionLog<FirstTransmission>;

/**
 * Remembers the first transmission of every payload-carrying request PSN until it is acknowledged,
 * and compares each retransmission with it. Memory stays bounded: ACKs and NAKs passing the other way
 * forget what they acknowledge, and at most `maxPerQp` PSNs are kept per QP.
 */
export class ExposureTracker {
  readonly exposures: Exposure[] = [];
  /** Source IP → sending QP number → its PSNs. Nested maps: no key string built per packet. */
  readonly #byIp = new Map<string, Map<number, QpPsns>>();
  /**
   * Blocks of forgotten copies: a copy is live only until its PSN is acknowledged, so a steady stream
   * reuses a few warm blocks instead of fresh memory per packet (and the packet's own buffer is free to
   * be recycled by the fabric).
   */
  readonly #free: ArrayBuffer[] = [];

  constructor(private readonly maxPerQp = 8192) {}

  /** A request packet with provenance left `host`. */
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
      if (psns.size >= this.maxPerQp) this.forgetOldest(psns);
      psns.push({
        psn: provenance.psn,
        timeNs: nowNs,
        payload: this.copy(packet.payload),
        // The engine builds a fresh list per packet and never touches it again.
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
    for (let first = psns.oldest(); first !== undefined; first = psns.oldest()) {
      const psn = first.psn;
      if (!(psnBefore(psn, ackPsn) || (inclusive && psn === ackPsn))) break;
      this.forgetOldest(psns);
    }
  }

  private copy(payload: Uint8Array): Uint8Array {
    if (payload.length <= BLOCK_MIN_BYTES || payload.length > BLOCK_BYTES) return payload.slice();
    const block = this.#free.pop() ?? new ArrayBuffer(BLOCK_BYTES);
    const copy = new Uint8Array(block, 0, payload.length);
    copy.set(payload);
    return copy;
  }

  private forgetOldest(psns: QpPsns): void {
    const first = psns.shift();
    const block = first?.payload.buffer;
    if (block?.byteLength === BLOCK_BYTES && this.#free.length < MAX_FREE_BLOCKS)
      this.#free.push(block as ArrayBuffer);
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
      psns = new TransmissionLog();
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
