import 'reflect-metadata';
import type { IommuModel } from '@rdmalab/hca-sim';
import type { InvariantId, PolicySpec, Violation } from '@rdmalab/xprtrdma';
import { countByInvariant, InvariantMonitor } from '../stack/invariant-monitor.js';
import { type MixedFile, runMixedWorkload } from '../stack/mixed-workload.js';
import { mountOverRdma, SESSION_TIMEOUT } from '../stack/nfs-session.js';
import { labelEngineTracks, PerfettoTrace, traceUnmaps } from '../stack/perfetto-trace.js';
import { composeSimStack } from '../stack/sim-stack.js';
import { describeSchedule, faultPlan, faultSchedule } from './fault-schedule.js';

/** A smaller mix than the demo's, so one seed runs in tens of ms. */
const SWEEP_FILES: readonly MixedFile[] = [
  { name: 'notes.txt', size: 900 },
  { name: 'config.json', size: 2600 },
  { name: 'photo.jpg', size: 20 * 1024 },
];
/** The RPC timeout of a sweep run unless told otherwise (the session's default, 1 s virtual). */
export const DEFAULT_SWEEP_RPC_TIMEOUT_MS = SESSION_TIMEOUT.initialNs / 1e6;
/** Virtual time let pass after the workload, for late retransmissions: two RPC timeouts (≥ 2 s). */
const VIRTUAL_TAIL_RPC_TIMEOUTS = 2;
const MIN_VIRTUAL_TAIL_NS = 2_000_000_000;
/** A workload still running after eight RPC timeouts (≥ 8 s virtual) has stalled. */
const WORKLOAD_TIMEOUT_RPC_TIMEOUTS = 8;
const MIN_WORKLOAD_TIMEOUT_NS = 8_000_000_000;
/** A lost wake-up lasts until an RPC timeout (≥ 1 s): sampling every 500 µs cannot miss one. */
const SAMPLE_NS = 500_000;

export interface SweepSeedOptions {
  readonly seed: number;
  readonly spec: PolicySpec;
  readonly iommu: IommuModel;
  /**
   * First RPC timeout, ms of virtual time (default 1000); grows by as much per retransmission up
   * to four times it, hard, as the session's default.
   */
  readonly rpcTimeoutMs?: number;
  readonly pcap?: boolean;
  readonly trace?: boolean;
}

/** What one seed found. Plain data: it crosses the worker boundary. */
export interface SeedOutcome {
  readonly seed: number;
  /** No violation, data intact, no crash. */
  readonly ok: boolean;
  readonly violations: Readonly<Record<InvariantId, number>>;
  /** The first violations, for the report. */
  readonly details: readonly Violation[];
  readonly dataVerified: boolean;
  /** The stack threw out of the simulation (a bug below the invariants). */
  readonly crash: string | null;
  readonly schedule: string;
  readonly wallMs: number;
}

export interface SeedReplay extends SeedOutcome {
  readonly pcap?: Uint8Array;
  readonly trace?: string;
}

/**
 * Run the mixed NFS workload under `seed`'s random fault schedule and check I1–I7. The
 * schedule's faults are placed relative to the first WRITE (after the mount and the CREATEs).
 */
export async function runSweepSeed(options: SweepSeedOptions): Promise<SeedReplay> {
  const started = performance.now();
  const schedule = faultSchedule(options.seed);
  const rpcTimeoutNs = (options.rpcTimeoutMs ?? DEFAULT_SWEEP_RPC_TIMEOUT_MS) * 1e6;
  const stack = await composeSimStack({
    seed: options.seed,
    spec: options.spec,
    iommu: options.iommu,
    maxRequests: 16,
    pcap: options.pcap ?? false,
  });
  const trace = options.trace ? new PerfettoTrace() : undefined;
  if (trace) {
    stack.tracer.addSink(trace);
    traceUnmaps(stack.clientHost, stack.tracer.tracepoint('dma', 'unmap'));
    for (const host of [stack.clientHost, stack.serverHost]) labelEngineTracks(host);
  }
  const monitor = new InvariantMonitor(stack);
  let crash: string | null = null;
  let dataVerified = false;
  let violations: Violation[] = [];
  try {
    // A small page cache: evicted frames are reused at once, as in a busy client.
    const session = await mountOverRdma(stack, {
      cachePages: 8,
      rsize: 16 * 4096,
      wsize: 16 * 4096,
      timeout: { initialNs: rpcTimeoutNs, incrementNs: rpcTimeoutNs, maxNs: 4 * rpcTimeoutNs },
    });
    const stopSampler = monitor.startRingSampler(SAMPLE_NS);
    try {
      const result = await runMixedWorkload(stack, session, {
        seed: options.seed,
        files: SWEEP_FILES,
        timeoutNs: Math.max(MIN_WORKLOAD_TIMEOUT_NS, WORKLOAD_TIMEOUT_RPC_TIMEOUTS * rpcTimeoutNs),
        beforeWrites: () => {
          const plan = faultPlan(schedule, stack.scheduler.now());
          for (const r of plan.rules ?? []) stack.fabric.addRule(r);
          for (const p of plan.partitions ?? []) stack.fabric.addPartition(p);
          for (const a of plan.ackLoss ?? []) stack.fabric.addAckLoss(a);
          for (const d of plan.dmaMapFailures ?? []) stack.fabric.addDmaMapFailure(d);
          for (const f of schedule) {
            if (f.kind === 'disconnect')
              stack.scheduler.setTimer(
                f.atNs,
                () => session.transport.injectDisconnect(),
                'rdmalab.sweep.disconnect',
              );
          }
        },
      });
      dataVerified = result.dataVerified;
      if (!result.dataVerified)
        monitor.add({
          invariant: 'I6',
          message: `read back differs or failed: ${result.damaged.join('; ')}`,
        });
    } finally {
      stopSampler();
    }
    await stack.fabric.settle(() => false, {
      timeoutNs: Math.max(MIN_VIRTUAL_TAIL_NS, VIRTUAL_TAIL_RPC_TIMEOUTS * rpcTimeoutNs),
    });
    violations = monitor.finish([session.rpc]);
  } catch (error) {
    crash = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  return {
    seed: options.seed,
    ok: crash === null && dataVerified && violations.length === 0,
    violations: countByInvariant(violations),
    details: violations.slice(0, 5),
    dataVerified,
    crash,
    schedule: describeSchedule(schedule),
    wallMs: performance.now() - started,
    ...(options.pcap ? { pcap: stack.fabric.pcap() } : {}),
    ...(trace ? { trace: trace.toString() } : {}),
  };
}
