import type { Device } from '@rdmalab/verbs';
import type { PacketRoute } from '../link/packet-link.js';
import type { RocePacket } from '../wire/packet.js';

/**
 * What the CM agent needs of a device: a verbs Device with an IPv4 GID and a General Services
 * Interface (QP1) path. The SoftDevice of both backends provides it.
 */
export interface GsiDevice extends Device {
  /** The device's IPv4 address: its GID is ::ffff:ip. */
  readonly ip: string;
  /** Receive every packet addressed to QP1 here. */
  setGsiHandler(handler: (packet: RocePacket, route: PacketRoute) => void): void;
  /** Transmit a QP1 packet (a UD SEND_ONLY carrying a MAD). */
  sendGsi(packet: RocePacket, route: PacketRoute): void;
}
