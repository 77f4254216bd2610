import type { IommuModel } from '@rdmalab/hca-sim';
import type { InvariantId, PolicySpec } from '@rdmalab/xprtrdma';
import type { InvariantMonitor } from '../stack/invariant-monitor.js';
import type { NfsSession, NfsSessionOptions } from '../stack/nfs-session.js';
import type { SimStack, SimStackOptions } from '../stack/sim-stack.js';
import type { ScenarioReport } from './report.js';

/** One side of the contrast a scenario draws: the policy combination and how to name it. */
export interface ScenarioPolicy {
  /** e.g. "linux-4.14: release Send memory on reply". */
  readonly label: string;
  readonly spec: PolicySpec;
}

/** What a scenario's workload gets: the running stack, its NFS session and the monitor. */
export interface ScenarioContext {
  readonly stack: SimStack;
  readonly session: NfsSession;
  readonly monitor: InvariantMonitor;
  /** Drive a promise of the stack to completion in virtual time. */
  run<T>(promise: Promise<T>, what: string, timeoutNs?: number): Promise<T>;
  readonly seed: number;
}

/** What the workload found: whether every byte read back matched, and facts for the story. */
export interface WorkloadOutcome {
  readonly dataVerified: boolean;
  readonly facts: Readonly<Record<string, string | number | boolean>>;
}

/**
 * A bug of DESIGN.md §6 as a runnable experiment: a fault plan and workload, the policy that
 * fails and the one that fixes it, and how to tell what happened in the seed's words.
 * Scenarios register themselves in the ScenarioRegistry; one file per scenario.
 */
export interface Scenario {
  readonly name: string;
  /** One line for `scenario list`. */
  readonly title: string;
  /** The invariants its broken policy violates. */
  readonly invariants: readonly InvariantId[];
  readonly defaultIommu: IommuModel;
  readonly broken: ScenarioPolicy;
  readonly fixed: ScenarioPolicy;
  /** The fault plan and the device, in a few words (for `scenario list` and the report). */
  readonly setup: string;
  /** Stack options beyond seed, policy and IOMMU (faults, device attributes, limits). */
  stackOptions(seed: number): Partial<SimStackOptions>;
  readonly session?: NfsSessionOptions;
  /** Run the workload; find I6 itself (read-back) and add what else it observes to the monitor. */
  workload(ctx: ScenarioContext): Promise<WorkloadOutcome>;
  /** A few lines telling what happened in this run. */
  explain(report: ScenarioReport): string[];
}
