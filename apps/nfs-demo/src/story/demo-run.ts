import 'reflect-metadata';
import type { IommuModel } from '@rdmalab/hca-sim';
import type { InvariantId } from '@rdmalab/xprtrdma';
import { delayedSendCompletion } from '../scenarios/delayed-send-completion.js';
import { percentile, type ScenarioReport } from '../scenarios/report.js';
import { runScenario } from '../scenarios/run-scenario.js';
import { countByInvariant, InvariantMonitor } from '../stack/invariant-monitor.js';
import { runMixedWorkload } from '../stack/mixed-workload.js';
import { mountOverRdma } from '../stack/nfs-session.js';
import { composeSimStack } from '../stack/sim-stack.js';

/** The NFS workload the demo runs first, with no faults, under one policy. */
export interface WorkloadReport {
  readonly policy: 'broken' | 'fixed';
  readonly policyLabel: string;
  readonly dataVerified: boolean;
  readonly files: number;
  readonly bytes: number;
  readonly damaged: readonly string[];
  readonly rpcs: number;
  readonly violations: Readonly<Record<InvariantId, number>>;
  readonly latencyUs: { readonly p50: number; readonly p99: number };
  readonly counters: Readonly<Record<string, number>>;
}

/** One step of the demo, for the progress bar. */
export interface DemoStep {
  readonly label: string;
  run(): Promise<void>;
}

export interface DemoResult {
  readonly seed: number;
  readonly workloads: WorkloadReport[];
  readonly seedRuns: ScenarioReport[];
  readonly pcap: Uint8Array | undefined;
  /** Every run of the fixed policy held, and the fixed workload read back intact. */
  readonly fixedHeld: boolean;
  readonly complete: boolean;
}

async function workload(policy: 'broken' | 'fixed', seed: number): Promise<WorkloadReport> {
  const side = delayedSendCompletion[policy];
  const stack = await composeSimStack({ seed, spec: side.spec, iommu: 'strict', pcap: false });
  const monitor = new InvariantMonitor(stack);
  const session = await mountOverRdma(stack);
  const result = await runMixedWorkload(stack, session, { seed });
  await stack.fabric.settle(() => false, { timeoutNs: 1_000_000_000 });
  const violations = monitor.finish([session.rpc]);
  return {
    policy,
    policyLabel: side.label,
    dataVerified: result.dataVerified,
    files: result.files,
    bytes: result.bytes,
    damaged: result.damaged,
    rpcs: monitor.rpcsCompleted,
    violations: countByInvariant(violations),
    latencyUs: {
      p50: percentile(monitor.latenciesNs, 50) / 1000,
      p99: percentile(monitor.latenciesNs, 99) / 1000,
    },
    counters: session.transport.xprt.stats.snapshot(),
  };
}

/** Whether a workload run is clean: data intact and no invariant violated. */
export function workloadHeld(w: WorkloadReport): boolean {
  return w.dataVerified && Object.values(w.violations).every((n) => n === 0);
}

/**
 * The demo's steps: the NFS workload over xprtrdma with no faults (fixed, then broken, to show
 * the fix costs nothing in the normal case), then the seed's scenario — the broken policy under
 * no IOMMU (exposure) and a strict one (connection loss), and the fixed policy under both.
 */
export function demoSteps(seed: number, withPcap: boolean): { steps: DemoStep[]; result: () => DemoResult } {
  const workloads: WorkloadReport[] = [];
  const seedRuns: ScenarioReport[] = [];
  let pcap: Uint8Array | undefined;
  const seedRun = (policy: 'broken' | 'fixed', iommu: IommuModel): DemoStep => ({
    label: `seed bug, ${policy} policy, ${iommu} IOMMU`,
    async run() {
      const side = delayedSendCompletion[policy];
      const capture = withPcap && policy === 'broken' && iommu === 'passthrough';
      const r = await runScenario(delayedSendCompletion, {
        policy,
        policyLabel: side.label,
        spec: side.spec,
        seed,
        iommu,
        pcap: capture,
      });
      seedRuns.push(r.report);
      if (capture) pcap = r.pcap;
    },
  });
  const steps: DemoStep[] = [
    {
      label: 'NFS workload, fixed policy',
      run: async () => {
        workloads.push(await workload('fixed', seed));
      },
    },
    {
      label: 'NFS workload, broken policy',
      run: async () => {
        workloads.push(await workload('broken', seed));
      },
    },
    seedRun('broken', 'passthrough'),
    seedRun('broken', 'strict'),
    seedRun('fixed', 'passthrough'),
    seedRun('fixed', 'strict'),
  ];
  return {
    steps,
    result: () => {
      const fixedWorkload = workloads.find((w) => w.policy === 'fixed');
      const fixedRuns = seedRuns.filter((r) => r.policy === 'fixed');
      return {
        seed,
        workloads,
        seedRuns,
        pcap,
        fixedHeld:
          fixedWorkload !== undefined &&
          workloadHeld(fixedWorkload) &&
          fixedRuns.length > 0 &&
          fixedRuns.every((r) => r.held),
        complete: workloads.length + seedRuns.length === steps.length,
      };
    },
  };
}
