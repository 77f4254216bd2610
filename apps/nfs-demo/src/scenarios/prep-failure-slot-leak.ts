import { SCENARIO_PRESETS } from '@rdmalab/xprtrdma';
import { describeBreakage } from './outcome-text.js';
import { parallelWrites } from './parallel-writes.js';
import type { Scenario } from './scenario.js';

/** The next 40 DMA map calls on the client fail (within 2 ms): more than the ring has slots. */
const MAP_FAILURES = 40;
const MAP_FAILURE_NS = 2_000_000;

/**
 * Linux 2026 "Return sendctx slot after Send preparation failure": DMA-mapping a page for the
 * Send fails after a send context was taken. No Send is posted, so no completion will ever move
 * the tail past that slot; each retry takes another. When mapping works again the ring looks
 * full forever and nothing can be posted to recover. The fix rewinds the head (unget).
 */
export const prepFailureSlotLeak: Scenario = {
  name: 'prep-failure-slot-leak',
  title: 'DMA-map failures during Send preparation leak ring slots until the ring looks full forever',
  invariants: ['I5', 'I4'],
  defaultIommu: 'strict',
  broken: {
    label: 'linux-5.13–7.1: a failed Send preparation keeps its send context',
    spec: SCENARIO_PRESETS['prep-failure-slot-leak'].broken,
  },
  fixed: {
    label: 'linux-7.2: unget — the head is rewound and writers are woken',
    spec: SCENARIO_PRESETS['prep-failure-slot-leak'].fixed,
  },
  setup: 'every DMA mapping on the client fails for 2 ms while 3 inline NFS WRITEs (mapped pages) are sent',
  stackOptions: () => ({ maxRequests: 16 }),
  async workload(ctx) {
    const { stack } = ctx;
    const r = await parallelWrites(ctx, {
      name: 'mapped.dat',
      count: 3,
      size: 500,
      timeoutNs: 5_000_000_000,
      onIssued: () => {
        const now = stack.scheduler.now();
        stack.fabric.addDmaMapFailure({
          host: 'client',
          count: MAP_FAILURES,
          window: { startNs: now, endNs: now + MAP_FAILURE_NS },
        });
      },
    });
    return {
      dataVerified: r.dataVerified,
      facts: {
        writes: 3,
        completed: r.completed,
        stalled: r.stalled,
        elapsedMs: Number((r.elapsedNs / 1e6).toFixed(3)),
      },
    };
  },
  explain(r) {
    return [
      `The next ${MAP_FAILURES} DMA mappings on the client failed; Send preparation failed ${r.counters.prepsend_failed} time(s) and the RPCs retried.`,
      ...describeBreakage(r),
      r.facts.stalled
        ? `${r.facts.completed} of ${r.facts.writes} WRITEs completed: with the ring "full" of slots no Send will ever retire, nothing could be posted again.`
        : `All ${r.facts.writes} WRITEs completed ${r.facts.elapsedMs} ms after they were issued, once mapping worked again.`,
    ];
  },
};
