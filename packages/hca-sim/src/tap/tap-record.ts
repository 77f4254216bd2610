import type { PacketClass } from '../fault/packet-class.js';
import type { DmaFault } from '../iommu/dma-fault.js';

/** What the fabric did with a packet. */
export type PacketFate =
  | 'delivered'
  | 'dropped'
  | 'delayed'
  | 'duplicated'
  | 'reordered'
  | 'partitioned'
  | 'no-route'
  | 'oversize';

/** One packet a host handed to the fabric, as the tap saw it. */
export interface TapRecord {
  /** Capture order, from 0. */
  index: number;
  /** Virtual time the sender transmitted it. */
  timeNs: number;
  from: string;
  /** Receiving host name; undefined when no host owns the destination IP. */
  to: string | undefined;
  srcIp: string;
  dstIp: string;
  srcQpn: number;
  destQp: number;
  opcode: number;
  psn: number;
  class: PacketClass;
  /** The engine marked it a retransmission of an earlier PSN. */
  retransmission: boolean;
  fate: PacketFate;
  /** The fault rule that decided the fate, if any. */
  rule?: string;
}

/** A DMA access the host's IOMMU model objected to, with when and where. */
export interface DmaFaultRecord extends DmaFault {
  timeNs: number;
  host: string;
}
