import type { FaultPlan, FaultRule } from '@rdmalab/hca-sim';
import { createRandom } from '@rdmalab/kernel';

/** One fault of a sweep schedule; times are virtual ns after the workload starts. */
export type ScheduledFault =
  | { readonly kind: 'partition'; readonly atNs: number; readonly forNs: number }
  | { readonly kind: 'ack-loss'; readonly atNs: number; readonly forNs: number }
  | {
      readonly kind: 'delay';
      readonly atNs: number;
      readonly forNs: number;
      readonly ns: number;
      readonly probability: number;
    }
  | {
      readonly kind: 'reorder';
      readonly atNs: number;
      readonly forNs: number;
      readonly after: number;
      readonly probability: number;
    }
  | { readonly kind: 'dma-map-failure'; readonly atNs: number; readonly count: number }
  | { readonly kind: 'disconnect'; readonly atNs: number };

export const FAULT_KINDS = [
  'partition',
  'ack-loss',
  'delay',
  'reorder',
  'dma-map-failure',
  'disconnect',
] as const;

/** IBA local ACK timeout with the CM's default exponent 14 (4.096 µs × 2^14). */
const ACK_TIMEOUT_NS = 67_108_864;
/** The mixed workload's Sends all leave within about this long of its start. */
const WORKLOAD_SPAN_NS = 200_000;

/**
 * A random fault schedule for `seed`: one to three faults, each starting while the workload's
 * Sends are in flight. Durations straddle the ACK timeout so some Sends are retransmitted after
 * their Reply (the seed's ordering) and some connections die past the retry budget.
 */
export function faultSchedule(seed: number): ScheduledFault[] {
  const random = createRandom(seed).fork('rdmalab.sweep.faults');
  const faults: ScheduledFault[] = [];
  const n = random.int(1, 4);
  for (let i = 0; i < n; i++) {
    const atNs = random.int(0, WORKLOAD_SPAN_NS);
    switch (random.pick(FAULT_KINDS)) {
      case 'partition':
        faults.push({
          kind: 'partition',
          atNs,
          forNs: random.pick([50_000, 20_000_000, ACK_TIMEOUT_NS + 3_000_000, 600_000_000]),
        });
        break;
      case 'ack-loss':
        faults.push({
          kind: 'ack-loss',
          atNs,
          forNs: random.pick([100_000, 10_000_000, ACK_TIMEOUT_NS - 5_000_000, 150_000_000]),
        });
        break;
      case 'delay':
        faults.push({
          kind: 'delay',
          atNs,
          forNs: random.int(100_000, 5_000_000),
          ns: random.pick([20_000, 300_000, 3_000_000]),
          probability: random.pick([0.2, 0.5, 1]),
        });
        break;
      case 'reorder':
        faults.push({
          kind: 'reorder',
          atNs,
          forNs: random.int(100_000, 2_000_000),
          after: random.int(1, 4),
          probability: random.pick([0.1, 0.3]),
        });
        break;
      case 'dma-map-failure':
        faults.push({ kind: 'dma-map-failure', atNs, count: random.int(1, 6) });
        break;
      case 'disconnect':
        faults.push({ kind: 'disconnect', atNs });
        break;
    }
  }
  return faults.sort((a, b) => a.atNs - b.atNs);
}

/** The declarative part of a schedule (everything but disconnects), anchored at `startNs`. */
export function faultPlan(schedule: readonly ScheduledFault[], startNs: number): FaultPlan {
  const rules: FaultRule[] = [];
  const plan: {
    rules: FaultRule[];
    partitions: NonNullable<FaultPlan['partitions']>[number][];
    ackLoss: NonNullable<FaultPlan['ackLoss']>[number][];
    dmaMapFailures: NonNullable<FaultPlan['dmaMapFailures']>[number][];
  } = { rules, partitions: [], ackLoss: [], dmaMapFailures: [] };
  for (const [i, f] of schedule.entries()) {
    const at = startNs + f.atNs;
    switch (f.kind) {
      case 'partition':
        plan.partitions.push({ between: ['client', 'server'], window: { startNs: at, endNs: at + f.forNs } });
        break;
      case 'ack-loss':
        plan.ackLoss.push({ from: 'server', to: 'client', window: { startNs: at, endNs: at + f.forNs } });
        break;
      case 'delay':
        rules.push({
          name: `sweep-delay-${i}`,
          match: { window: { startNs: at, endNs: at + f.forNs } },
          action: { type: 'delay', ns: f.ns },
          probability: f.probability,
        });
        break;
      case 'reorder':
        rules.push({
          name: `sweep-reorder-${i}`,
          match: { window: { startNs: at, endNs: at + f.forNs } },
          action: { type: 'reorder', after: f.after },
          probability: f.probability,
        });
        break;
      case 'dma-map-failure':
        plan.dmaMapFailures.push({
          host: 'client',
          count: f.count,
          window: { startNs: at, endNs: at + 10_000_000 },
        });
        break;
      case 'disconnect':
        break;
    }
  }
  return plan;
}

function faultText(f: ScheduledFault): string {
  const at = `@${(f.atNs / 1000).toFixed(0)}µs`;
  if (f.kind === 'partition' || f.kind === 'ack-loss')
    return `${f.kind} ${at} for ${(f.forNs / 1e6).toFixed(2)} ms`;
  if (f.kind === 'delay')
    return `delay ${at} +${(f.ns / 1000).toFixed(0)}µs p=${f.probability} for ${(f.forNs / 1e6).toFixed(2)} ms`;
  if (f.kind === 'reorder')
    return `reorder ${at} after ${f.after} p=${f.probability} for ${(f.forNs / 1e6).toFixed(2)} ms`;
  if (f.kind === 'dma-map-failure') return `dma-map-failure ${at} ×${f.count}`;
  return `disconnect ${at}`;
}

/** A schedule in one line, for reports. */
export function describeSchedule(schedule: readonly ScheduledFault[]): string {
  return schedule.map(faultText).join(', ');
}
