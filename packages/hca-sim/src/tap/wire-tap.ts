import { encodeFrame, type PacketRoute, type RocePacket, type TxProvenance } from '@rdmalab/roce';
import { macForIp } from '../fabric/mac-address.js';
import { classifyPacket as classifyPacketImport } from '../fault/packet-class.js';
import { writeCapture } from './capture-file.js';
import { type Exposure, ExposureTracker } from './exposure-tracker.js';
import type { DmaFaultRecord, TapRecord } from './tap-record.js';

// Imported values used per packet, bound to module-local names once: under a module runner (vitest,
// where tests and fault sweeps run) every use of an imported binding is a getter call, which costs
// more than the operation and keeps the hot path from being inlined.
const classifyPacket = classifyPacketImport;

export interface WireTapOptions {
  /** Keep every frame for pcap export (default true). */
  pcap?: boolean;
  /** Keep a TapRecord per packet with its fate (default true). */
  records?: boolean;
  /** Compare retransmissions with first transmissions and record exposures (default true). */
  forensics?: boolean;
}

/** A captured Ethernet frame and when it left its host. */
export interface CapturedFrame {
  timeNs: number;
  frame: Uint8Array;
}

/**
 * Transmitted packets waiting to be encoded, column by column: the pcap is built when someone reads
 * the frames. Columns of numbers and shared strings, not an object per packet: everything kept here
 * outlives many scavenges, and every object kept is one more to copy.
 */
class PendingFrames {
  readonly packets: RocePacket[] = [];
  readonly timesNs: number[] = [];
  readonly srcIps: string[] = [];
  readonly dstIps: string[] = [];
  readonly srcQpns: number[] = [];
  readonly identifications: number[] = [];

  get length(): number {
    return this.packets.length;
  }

  push(timeNs: number, packet: RocePacket, route: PacketRoute, identification: number): void {
    this.packets.push(packet);
    this.timesNs.push(timeNs);
    this.srcIps.push(route.srcIp);
    this.dstIps.push(route.dstIp);
    this.srcQpns.push(route.srcQpn);
    this.identifications.push(identification);
  }

  /** Forget the first `n`. */
  drop(n: number): void {
    for (const column of [
      this.packets,
      this.timesNs,
      this.srcIps,
      this.dstIps,
      this.srcQpns,
      this.identifications,
    ]) {
      column.splice(0, n);
    }
  }
}

/**
 * The mirror port of the simulated fabric: it sees every packet a host hands to the network — before
 * the fault plan acts on it, so dropped packets and retransmissions are both in the capture — and
 * keeps frames for pcap export, one record per packet with its fate, the exposures found by comparing
 * retransmissions with first transmissions, and the DMA faults the IOMMU models reported.
 *
 * Frames are encoded (Ethernet/IPv4/UDP headers, ICRC) when `frames` or `pcap()` is first read after a
 * capture, not per packet: a run that never exports its capture never pays for it. The packets are
 * kept as they were transmitted — a transmitted packet is never written to again, and the fabric does
 * not recycle payload buffers while the tap keeps packets — so the bytes are the ones that went out.
 */
export class WireTap {
  readonly records: TapRecord[] = [];
  readonly dmaFaults: DmaFaultRecord[] = [];
  readonly #frames: CapturedFrame[] = [];
  readonly #pending = new PendingFrames();
  readonly #tracker = new ExposureTracker();
  readonly #ipId = new Map<string, number>();
  readonly #macs = new Map<string, string>();
  readonly #pcap: boolean;
  readonly #records: boolean;
  readonly #forensics: boolean;
  #index = 0;

  constructor(options: WireTapOptions = {}) {
    this.#pcap = options.pcap ?? true;
    this.#records = options.records ?? true;
    this.#forensics = options.forensics ?? true;
  }

  /** Whether the tap does anything at all: the fabric skips it entirely when not. */
  get active(): boolean {
    return this.#pcap || this.#records || this.#forensics;
  }

  /**
   * @internal Whether the tap keeps the packets it sees (pcap frames are encoded from them later): the
   * fabric then never recycles their payload buffers. Forensics keeps copies of its own.
   */
  get holdsPackets(): boolean {
    return this.#pcap;
  }

  get exposures(): readonly Exposure[] {
    return this.#tracker.exposures;
  }

  /** Every captured frame so far, in capture order (encoded now if not yet). */
  get frames(): CapturedFrame[] {
    if (this.#pending.length > 0) this.encodePending();
    return this.#frames;
  }

  /** Record one transmitted packet; returns its record (for the fabric to set the fate) when records are kept. */
  capture(
    from: string,
    to: string | undefined,
    packet: RocePacket,
    route: PacketRoute,
    provenance: TxProvenance | undefined,
    nowNs: number,
  ): TapRecord | undefined {
    const index = this.#index++;
    if (this.#pcap) {
      // IPv4 Identification counts per source address, as a host's IP stack does: deterministic per run.
      const id = this.#ipId.get(route.srcIp) ?? 0;
      this.#ipId.set(route.srcIp, (id + 1) & 0xffff);
      this.#pending.push(nowNs, packet, route, id);
    }
    if (this.#forensics && provenance) this.#tracker.onTransmit(from, packet, route, provenance, nowNs);
    if (!this.#records) return undefined;
    const record: TapRecord = {
      index,
      timeNs: nowNs,
      from,
      to,
      srcIp: route.srcIp,
      dstIp: route.dstIp,
      srcQpn: route.srcQpn,
      destQp: packet.bth.destQp,
      opcode: packet.bth.opcode,
      psn: packet.bth.psn,
      class: classifyPacket(packet),
      retransmission: provenance?.retransmission ?? false,
      fate: 'delivered',
    };
    this.records.push(record);
    return record;
  }

  /**
   * A packet reached its host. Only an acknowledgement the requester really received lets forensics
   * forget the PSNs it covers: a lost ACK means the PSN will be retransmitted and must be compared.
   */
  delivered(packet: RocePacket, route: PacketRoute): void {
    if (this.#forensics && packet.aeth) this.#tracker.onResponse(packet, route);
  }

  recordDmaFault(fault: DmaFaultRecord): void {
    this.dmaFaults.push(fault);
  }

  /** Every captured frame as a pcap file (Ethernet link type, nanosecond timestamps from virtual time). */
  pcap(): Uint8Array {
    return writeCapture(this.frames);
  }

  /** PSNs the forensics still remembers (awaiting acknowledgement). */
  get trackedPsns(): number {
    return this.#tracker.tracked;
  }

  private encodePending(): void {
    const p = this.#pending;
    let i = 0;
    try {
      for (; i < p.length; i++) {
        this.#frames.push({
          timeNs: p.timesNs[i]!,
          frame: encodeFrame({
            srcMac: this.mac(p.srcIps[i]!),
            dstMac: this.mac(p.dstIps[i]!),
            srcIp: p.srcIps[i]!,
            dstIp: p.dstIps[i]!,
            srcQpn: p.srcQpns[i]!,
            packet: p.packets[i]!,
            identification: p.identifications[i]!,
          }),
        });
      }
    } finally {
      // A packet that cannot be encoded stays at the head: every later read throws its RoceEncodeError.
      p.drop(i);
    }
  }

  private mac(ip: string): string {
    let mac = this.#macs.get(ip);
    if (!mac) {
      mac = macForIp(ip);
      this.#macs.set(ip, mac);
    }
    return mac;
  }
}
