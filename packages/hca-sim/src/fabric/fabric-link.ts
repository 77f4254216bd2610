import type { PacketLink, PacketRoute, RocePacket, TxProvenance } from '@rdmalab/roce';

/** Where a host's link hands its packets: the fabric's switch. */
export interface PacketSwitch {
  forward(from: string, packet: RocePacket, route: PacketRoute, provenance: TxProvenance | undefined): void;
}

/** A host's port on the simulated fabric: the PacketLink its SoftDevice transmits into. */
export class FabricLink implements PacketLink {
  #receive: ((packet: RocePacket, route: PacketRoute) => void) | undefined;

  constructor(
    private readonly host: string,
    private readonly network: PacketSwitch,
  ) {}

  transmit(packet: RocePacket, route: PacketRoute, provenance?: TxProvenance): void {
    this.network.forward(this.host, packet, route, provenance);
  }

  attach(receive: (packet: RocePacket, route: PacketRoute) => void): void {
    this.#receive = receive;
  }

  /** The fabric delivers an arriving packet; a host whose device never attached drops it. */
  deliver(packet: RocePacket, route: PacketRoute): boolean {
    if (!this.#receive) return false;
    this.#receive(packet, route);
    return true;
  }
}
