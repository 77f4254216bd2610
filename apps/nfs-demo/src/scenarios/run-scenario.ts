import 'reflect-metadata';
import type { IommuModel } from '@rdmalab/hca-sim';
import type { PolicySpec } from '@rdmalab/xprtrdma';
import { countByInvariant, InvariantMonitor } from '../stack/invariant-monitor.js';
import { mountOverRdma } from '../stack/nfs-session.js';
import { labelEngineTracks, PerfettoTrace, traceUnmaps } from '../stack/perfetto-trace.js';
import { composeSimStack } from '../stack/sim-stack.js';
import { runInVirtualTime } from '../stack/virtual-time.js';
import {
  type DmaFaultReport,
  type ExposureReport,
  percentile,
  printable,
  type ScenarioReport,
} from './report.js';
import type { Scenario, WorkloadOutcome } from './scenario.js';

export interface ScenarioRunOptions {
  /** "broken", "fixed" or a preset name: what the report calls the policy. */
  readonly policy: string;
  readonly policyLabel: string;
  readonly spec: PolicySpec;
  readonly seed: number;
  readonly iommu?: IommuModel;
  /** Keep the capture (for --pcap). */
  readonly pcap?: boolean;
  /** Record a Chrome/Perfetto trace (for --trace). */
  readonly trace?: boolean;
}

export interface ScenarioRun {
  readonly report: ScenarioReport;
  readonly pcap?: Uint8Array;
  /** Chrome trace JSON text. */
  readonly trace?: string;
}

/** Virtual time let pass after the workload, so late retransmissions (and their damage) happen. */
const TAIL_NS = 2_000_000_000;
const MAX_DETAILS = 20;

/** Compose the scenario's stack, mount, run its workload, and check every invariant. */
export async function runScenario(scenario: Scenario, options: ScenarioRunOptions): Promise<ScenarioRun> {
  const iommu = options.iommu ?? scenario.defaultIommu;
  const stack = await composeSimStack({
    ...scenario.stackOptions(options.seed),
    seed: options.seed,
    spec: options.spec,
    iommu,
    pcap: options.pcap ?? false,
  });
  const trace = options.trace ? new PerfettoTrace() : undefined;
  if (trace) {
    stack.tracer.addSink(trace);
    traceUnmaps(stack.clientHost, stack.tracer.tracepoint('dma', 'unmap'));
    for (const host of [stack.clientHost, stack.serverHost]) labelEngineTracks(host);
  }
  const monitor = new InvariantMonitor(stack);
  const session = await mountOverRdma(stack, scenario.session);
  const stopSampler = monitor.startRingSampler();
  let outcome: WorkloadOutcome;
  try {
    outcome = await scenario.workload({
      stack,
      session,
      monitor,
      seed: options.seed,
      run: (promise, what, timeoutNs) => runInVirtualTime(stack.fabric, promise, what, timeoutNs),
    });
  } finally {
    stopSampler();
  }
  await stack.fabric.settle(() => false, { timeoutNs: TAIL_NS });
  const violations = monitor.finish([session.rpc]);
  const xprt = session.transport.xprt;
  const ops = session.rpc.stats.snapshot();
  const tap = stack.fabric.tap;
  const memory = stack.clientHost.memory;
  const exposures: ExposureReport[] = (tap?.exposures ?? []).map((e) => {
    // The buffer the first differing byte came from, and the largest one (the payload) for the sample.
    let at = e.firstDifferenceAt;
    let first = e.sources[0];
    for (const s of e.sources) {
      first = s;
      if (at < s.length) break;
      at -= s.length;
    }
    const payload = e.sources.reduce<(typeof e.sources)[number] | undefined>(
      (big, s) => (big === undefined || s.length > big.length ? s : big),
      undefined,
    );
    const n = Math.min(48, payload?.length ?? 0);
    return {
      timeNs: e.timeNs,
      host: e.host,
      qpn: e.qpn,
      psn: e.psn,
      wrId: e.wrId,
      owners: e.owners.map((o) => o ?? '(a free page)'),
      buffer: first?.owner ?? '(a free page)',
      differingBytes: e.differingBytes,
      sample: payload ? printable(memory.read(payload.phys + payload.length - n, n)) : '',
    };
  });
  const dmaFaults: DmaFaultReport[] = (tap?.dmaFaults ?? []).map((f) => ({
    timeNs: f.timeNs,
    host: f.host,
    reason: f.reason,
    faulted: f.faulted,
    owner: f.owner ?? null,
    address: f.dma,
  }));
  const counts = countByInvariant(violations);
  const report: ScenarioReport = {
    scenario: scenario.name,
    title: scenario.title,
    policy: options.policy,
    policyLabel: options.policyLabel,
    policySpec: options.spec,
    seed: options.seed,
    iommu,
    held: violations.length === 0 && outcome.dataVerified,
    violations: counts,
    violationDetails: violations.slice(0, MAX_DETAILS),
    exposures,
    dmaFaults,
    connectionLosses: xprt.stats.disconnects,
    sqOverflows: xprt.stats.post_send_enomem,
    stalls: monitor.lostWakeups + (session.rpc.outstanding > 0 ? 1 : 0),
    rpcs: {
      completed: monitor.rpcsCompleted,
      failed: ops.reduce((n, op) => n + op.errors, 0),
      retransmitted: ops.reduce((n, op) => n + op.retransmits, 0),
    },
    dataVerified: outcome.dataVerified,
    latencyUs: {
      p50: percentile(monitor.latenciesNs, 50) / 1000,
      p99: percentile(monitor.latenciesNs, 99) / 1000,
    },
    virtualMs: stack.scheduler.now() / 1e6,
    counters: xprt.stats.snapshot(),
    facts: outcome.facts,
  };
  return {
    report,
    ...(options.pcap ? { pcap: stack.fabric.pcap() } : {}),
    ...(trace ? { trace: trace.toString() } : {}),
  };
}
