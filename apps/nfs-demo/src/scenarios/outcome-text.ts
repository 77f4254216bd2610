import type { ScenarioReport } from './report.js';

function ms(ns: number): string {
  return `${(ns / 1e6).toFixed(3)} ms`;
}

/**
 * What broke in a run, in the seed's words: bytes exposed with their owner, DMA faults and the
 * lost connection, Send Queue overflows, stalls, damaged data — or, when nothing broke, what the
 * policy cost.
 */
export function describeBreakage(r: ScenarioReport): string[] {
  const lines: string[] = [];
  const exposure = r.exposures[0];
  if (exposure) {
    lines.push(
      `EXPOSED  at ${ms(exposure.timeNs)} the retransmission of PSN ${exposure.psn} put ${exposure.differingBytes} bytes of ${exposure.owners.length > 0 ? `"${exposure.owners.join(', ')}"` : `new contents of "${exposure.buffer}"`} on the wire` +
        (r.exposures.length > 1 ? ` (${r.exposures.length} retransmissions in all)` : ''),
      `         the payload it gathered now reads: "…${exposure.sample}"`,
    );
  }
  const faults = r.dmaFaults.filter((f) => f.faulted);
  const stale = r.dmaFaults.filter((f) => !f.faulted);
  if (faults.length > 0) {
    lines.push(
      `FAULTED  at ${ms(faults[0]!.timeNs)} the HCA read an ${faults[0]!.reason} IOVA 0x${faults[0]!.address.toString(16)} (strict IOMMU): LOC_PROT_ERR, QP flushed, ${r.connectionLosses} connection loss(es)`,
    );
  }
  if (stale.length > 0 && exposure === undefined) {
    lines.push(
      `STALE    at ${ms(stale[0]!.timeNs)} the HCA read ${stale[0]!.reason} memory now owned by "${stale[0]!.owner ?? '(free)'}"`,
    );
  }
  if (r.sqOverflows > 0)
    lines.push(
      `OVERFLOW post_send failed with ENOMEM ${r.sqOverflows} time(s): the Send Queue was full; the connection was reset`,
    );
  if (r.stalls > 0) lines.push(`STALLED  ${r.stalls} time(s) the transport sat idle with work to do`);
  for (const v of r.violationDetails
    .filter((d) => d.invariant === 'I5' || d.invariant === 'I7' || d.invariant === 'I4')
    .slice(0, 3))
    lines.push(`${v.invariant.padEnd(8)} ${v.message}`);
  if (!r.dataVerified) lines.push('DAMAGED  data read back differs from what was written');
  if (lines.length === 0) {
    lines.push(
      `HELD     nothing broke: every byte read back intact; RPC latency p50 ${r.latencyUs.p50.toFixed(1)} µs, p99 ${r.latencyUs.p99.toFixed(1)} µs; ` +
        `${r.counters.signaled_sends} of ${Number(r.counters.signaled_sends) + Number(r.counters.unsignaled_sends)} Sends signaled`,
    );
  }
  return lines;
}
