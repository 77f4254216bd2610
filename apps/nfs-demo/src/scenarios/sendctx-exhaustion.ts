import { SCENARIO_PRESETS } from '@rdmalab/xprtrdma';
import { describeBreakage } from './outcome-text.js';
import { parallelWrites } from './parallel-writes.js';
import type { Scenario } from './scenario.js';

const ACK_DELAY_NS = 3_000_000;

/**
 * Send completions arrive late (every ACK from the server is 3 ms late) while the credits let
 * more RPCs go: Sends pile up unretired. With the sendctx ring the sender finds the ring empty
 * and waits for a completion ("strong Send Queue accounting", the seed); without it (pre-2017)
 * nothing stops the posts until post_send fails with ENOMEM and the connection is reset.
 */
export const sendctxExhaustion: Scenario = {
  name: 'sendctx-exhaustion',
  title: 'Send completions delayed while credits allow more: the ring empties and the sender waits',
  invariants: ['I3'],
  defaultIommu: 'strict',
  broken: {
    label: 'linux-4.14: no send-context ring, a countdown of max_send_wr/2 − 1 Sends between signals',
    spec: SCENARIO_PRESETS['sendctx-exhaustion'].broken,
  },
  fixed: {
    label: 'linux-7.2: the sendctx ring; an empty ring makes the sender wait for write space',
    spec: SCENARIO_PRESETS['sendctx-exhaustion'].fixed,
  },
  setup: 'every server ACK delayed 3 ms; 300 small NFS WRITEs issued at once; 16 requests',
  stackOptions: () => ({
    maxRequests: 16,
    faults: {
      rules: [
        {
          name: 'late-acks',
          match: { from: 'server', to: 'client', class: 'ack' },
          action: { type: 'delay', ns: ACK_DELAY_NS },
        },
      ],
    },
  }),
  async workload(ctx) {
    const r = await parallelWrites(ctx, {
      name: 'many-small.dat',
      count: 300,
      size: 256,
      timeoutNs: 60_000_000_000,
    });
    return {
      dataVerified: r.dataVerified,
      facts: { writes: 300, completed: r.completed, elapsedMs: Number((r.elapsedNs / 1e6).toFixed(3)) },
    };
  },
  explain(r) {
    return [
      `300 WRITEs were issued at once; every ACK from the server came 3 ms late, so Send completions lagged the Replies`,
      `and credits kept letting new Calls go. ${r.counters.empty_sendctx_q ? `The ring emptied ${r.counters.empty_sendctx_q} time(s) and the sender waited for a completion.` : 'No ring held the sender back.'}`,
      ...describeBreakage(r),
      `All ${r.facts.writes} WRITEs finished in ${r.facts.elapsedMs} ms of virtual time.`,
    ];
  },
};
