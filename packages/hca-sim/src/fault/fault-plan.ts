import type { PacketClass } from './packet-class.js';
import type { TimeWindow } from './time-window.js';

/**
 * Which packets a rule applies to. Every given field must match; an omitted field matches anything.
 * Hosts are named by host name or IPv4 address.
 */
export interface PacketMatch {
  /** Sending host. */
  from?: string;
  /** Receiving host. */
  to?: string;
  /** BTH opcode number(s), e.g. Opcode.RC_ACKNOWLEDGE. */
  opcode?: number | readonly number[];
  /** Coarse packet kind(s): request, ack, nak, read-response, cm, other. */
  class?: PacketClass | readonly PacketClass[];
  /** PSN or inclusive PSN range walked forward mod 2^24 (so { first: 0xfffffe, last: 1 } spans the wrap). */
  psn?: number | { first: number; last: number };
  /** QP number: matches the BTH destination QP or the sending QP. */
  qp?: number;
  /** Virtual time of transmission. */
  window?: TimeWindow;
}

/** What happens to a packet a rule fires on. */
export type FaultAction =
  | { type: 'drop' }
  /** Deliver `ns` later than the network would. */
  | { type: 'delay'; ns: number }
  /** Deliver the packet and `copies` extra copies (default 1), each `gapNs` after the previous (default 0). */
  | { type: 'duplicate'; copies?: number; gapNs?: number }
  /**
   * Hold the packet until `after` later packets in the same direction (same sender and receiver) have
   * been sent, then deliver it behind them. If fewer follow, it is released after `maxHoldNs`
   * (default 1 ms) so a reorder never silently becomes a drop.
   */
  | { type: 'reorder'; after: number; maxHoldNs?: number };

/**
 * One declarative fault rule. Each rule counts the packets that match it; it fires on the `nth`
 * match (1-based, default 1) and on following matches until it has fired `count` times (default:
 * unlimited), each time with `probability` (default 1; drawn from the fabric's seeded random, one
 * stream per rule). Rules are tried in order; the first that fires decides the packet's fate.
 */
export interface FaultRule {
  /** Shown in the tap's records and counters; default `rule-<index>`. */
  name?: string;
  match: PacketMatch;
  action: FaultAction;
  nth?: number;
  count?: number;
  probability?: number;
}

/** The link between two hosts is down (both directions) during `window`. */
export interface Partition {
  between: readonly [string, string];
  window: TimeWindow;
}

/** Convenience for the seed's scenario: lose ACKs (positive ACKNOWLEDGE packets) `from` a host. */
export interface AckLoss {
  from?: string;
  to?: string;
  window?: TimeWindow;
  nth?: number;
  count?: number;
  probability?: number;
}

/** Make DMA mappings on a host fail (DmaMappingError), through its IOMMU model. */
export interface DmaMapFailure {
  host: string;
  /** Fail the nth map call counted from the start (1-based), and following ones until `count`. */
  nth?: number;
  count?: number;
  probability?: number;
  window?: TimeWindow;
}

/** Extra time a host's HCA takes per received packet (`rxNs`) and per transmitted WQE packet (`txNs`). */
export interface ProcessingDelay {
  host: string;
  rxNs?: number;
  txNs?: number;
}

/** Everything that goes wrong in a simulation run, declared up front. */
export interface FaultPlan {
  rules?: readonly FaultRule[];
  partitions?: readonly Partition[];
  ackLoss?: readonly AckLoss[];
  dmaMapFailures?: readonly DmaMapFailure[];
  processingDelay?: readonly ProcessingDelay[];
}
