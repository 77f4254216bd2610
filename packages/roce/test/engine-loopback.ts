import type { PhysicalMemory, Scheduler } from '@rdmalab/kernel';
import type { PacketLink, PacketRoute, TxProvenance } from '../src/link/packet-link.js';
import type { RocePacket } from '../src/wire/packet.js';

/** One packet as the loopback network saw it leave a device. */
export interface SentPacket {
  at: number;
  packet: RocePacket;
  route: PacketRoute;
  provenance: TxProvenance | undefined;
}

/** Decide a packet's fate: deliver it (possibly a changed copy) or drop it (return undefined). */
export type PacketFilter = (sent: SentPacket) => RocePacket | undefined;

interface InFlight {
  packet: RocePacket;
  route: PacketRoute;
}

/**
 * A test network: every device gets a PacketLink; a packet reaches the device owning route.dstIp
 * after a fixed delay on the scheduler, in FIFO order. A filter may drop or alter packets; every
 * transmitted packet is logged (unless logging is off, for benchmarks).
 */
export class LoopbackNetwork {
  readonly sent: SentPacket[] = [];
  filter: PacketFilter | undefined;
  log = true;
  private readonly receivers = new Map<string, (packet: RocePacket, route: PacketRoute) => void>();
  private readonly queue: InFlight[] = [];
  private queueHead = 0;
  private readonly boundDeliver = () => this.deliverNext();

  constructor(
    private readonly scheduler: Scheduler,
    readonly delayNs = 1000,
  ) {}

  link(ip: string): PacketLink {
    return {
      transmit: (packet, route, provenance) => this.transmit(packet, route, provenance),
      attach: (receive) => {
        this.receivers.set(ip, receive);
      },
    };
  }

  private transmit(packet: RocePacket, route: PacketRoute, provenance: TxProvenance | undefined): void {
    let out: RocePacket | undefined = packet;
    if (this.log || this.filter !== undefined) {
      const sent: SentPacket = { at: this.scheduler.now(), packet, route, provenance };
      if (this.log) this.sent.push(sent);
      if (this.filter !== undefined) out = this.filter(sent);
    }
    if (out === undefined) return;
    this.queue.push({ packet: out, route });
    this.scheduler.setTimer(this.delayNs, this.boundDeliver);
  }

  private deliverNext(): void {
    const item = this.queue[this.queueHead]!;
    this.queue[this.queueHead++] = undefined as unknown as InFlight;
    if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    this.receivers.get(item.route.dstIp)?.(item.packet, item.route);
  }
}

/** Write bytes into host memory at a physical address (test convenience). */
export function fill(memory: PhysicalMemory, phys: number, bytes: Uint8Array): void {
  memory.write(phys, bytes);
}
