import type { IommuModel } from '@rdmalab/hca-sim';
import type { InvariantId, PolicySpec, Violation } from '@rdmalab/xprtrdma';

/** A retransmission that put other bytes on the wire than its first transmission (I2). */
export interface ExposureReport {
  readonly timeNs: number;
  readonly host: string;
  readonly qpn: number;
  readonly psn: number;
  readonly wrId: number;
  /** Owner tags of the pages the retransmission read that the first transmission did not. */
  readonly owners: readonly string[];
  /** Owner tag of the buffer the first differing byte was gathered from. */
  readonly buffer: string;
  readonly differingBytes: number;
  /** The last 48 bytes of the largest buffer it gathered (the payload), as printable text, read after the run. */
  readonly sample: string;
}

/** A DMA access the IOMMU model objected to (I1). */
export interface DmaFaultReport {
  readonly timeNs: number;
  readonly host: string;
  readonly reason: string;
  /** strict: the access failed (LOC_PROT_ERR); passthrough: it read whatever lived there. */
  readonly faulted: boolean;
  readonly owner: string | null;
  readonly address: number;
}

/** Everything one scenario run found; what `--json` prints. */
export interface ScenarioReport {
  readonly scenario: string;
  readonly title: string;
  /** "broken", "fixed" or a preset name. */
  readonly policy: string;
  readonly policyLabel: string;
  readonly policySpec: PolicySpec;
  readonly seed: number;
  readonly iommu: IommuModel;
  /** No violation and every byte read back intact. */
  readonly held: boolean;
  readonly violations: Readonly<Record<InvariantId, number>>;
  /** The first violations, each with what is known of time, host, QP, PSN, WR, xid and owner. */
  readonly violationDetails: readonly Violation[];
  readonly exposures: readonly ExposureReport[];
  readonly dmaFaults: readonly DmaFaultReport[];
  readonly connectionLosses: number;
  readonly sqOverflows: number;
  readonly stalls: number;
  readonly rpcs: { readonly completed: number; readonly failed: number; readonly retransmitted: number };
  readonly dataVerified: boolean;
  /** RPC latency (first transmission → reply delivered to the RPC layer) in virtual µs. */
  readonly latencyUs: { readonly p50: number; readonly p99: number };
  /** Virtual time the run took, ms. */
  readonly virtualMs: number;
  /** The NFS transport's counters (mountstats `xprt: rdma` fields and rdmalab's extras). */
  readonly counters: Readonly<Record<string, number>>;
  /** Scenario-specific facts the story is told from. */
  readonly facts: Readonly<Record<string, string | number | boolean>>;
}

/** Nearest-rank percentile of `values` (0 for none). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Bytes as text with non-printables as dots (wire samples). */
export function printable(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
}
