import type { RocePacket } from '../wire/packet.js';

/** Where a packet goes: RoCEv2 addresses. */
export interface PacketRoute {
  srcIp: string;
  dstIp: string;
  srcQpn: number;
}

/** Provenance the engine attaches to every transmitted request packet that carries payload. */
export interface TxProvenance {
  /** QP number of the sender, the PSN, and whether this is a retransmission of an earlier PSN. */
  qpn: number;
  psn: number;
  retransmission: boolean;
  wrId: number;
  /**
   * What the payload was gathered from, in order: physical address, length, page owner tag (null =
   * free page) and page generation at gather time — or a DMA fault instead.
   */
  sources: { phys: number; length: number; owner: string | null; generation: number }[];
}

/**
 * The seam between the RC engine and a backend's network: the simulated fabric or a UDP socket.
 * The engine builds structured packets; the link decides how (and whether) they arrive.
 */
export interface PacketLink {
  /** Hand one packet to the network. May be dropped, delayed, duplicated by the network. */
  transmit(packet: RocePacket, route: PacketRoute, provenance?: TxProvenance): void;
  /** Called once by the device: deliver arriving packets here. */
  attach(receive: (packet: RocePacket, route: PacketRoute) => void): void;
}
