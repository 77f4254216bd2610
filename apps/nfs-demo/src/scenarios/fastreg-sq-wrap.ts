import { type PolicySpec, PRESETS } from '@rdmalab/xprtrdma';
import { describeBreakage } from './outcome-text.js';
import { parallelWrites } from './parallel-writes.js';
import type { Scenario } from './scenario.js';

const PRE_RING = PRESETS['linux-4.14'];
const COUNT_SENDS: PolicySpec = { ...PRE_RING, signaling: { formula: 'linux-4.14', counting: 'sends' } };
const COUNT_WRS: PolicySpec = { ...PRE_RING, signaling: { formula: 'linux-4.14', counting: 'wrs' } };

/**
 * Linux 2021 "Avoid Send Queue wrapping": FastReg WRs go on the Send Queue chained before the Send
 * but were not counted by the signaling countdown, and on mlx5 a Send Queue slot is freed only
 * when a later signaled completion is reaped.
 *
 * Where it can show: with the sendctx ring (2017 on) it cannot wrap in this model. The ring caps
 * unretired Sends at max_requests + 1, and the MR pool (3 per request) caps registrations still
 * awaiting LOCAL_INV; every LOCAL_INV chain is signaled and retires what precedes it. With r RPCs
 * holding k MRs each (r ≤ 3m/k), the Send Queue holds at most r·2k + (m + 1 − r) =
 * 7m + 1 − 3m/k WRs: under the m·7 + 1 it is sized for, whatever k is. So the counting bug needs a
 * transport whose only bound is the countdown: the pre-2017 one, which signals once per
 * max_send_wr/2 − 1 Sends assuming one WR per Send. Each WRITE of more than the inline threshold
 * chains one FastReg WR before its Send, the server invalidates that MR remotely (Send With
 * Invalidate: no LOCAL_INV is ever posted), so 55 Sends put 110 WRs on a 113-slot queue, and the
 * RPCs already in flight when the signaled Send is posted overflow it before its completion is
 * reaped. Counting every WR (the 2021 fix) signals twice as often and never fills it.
 */
export const fastregSqWrap: Scenario = {
  name: 'fastreg-sq-wrap',
  title: 'FastReg WRs not counted by the signaling countdown: the Send Queue wraps',
  invariants: ['I3'],
  defaultIommu: 'strict',
  broken: {
    label: 'pre-2017 countdown of max_send_wr/2 − 1, counting Sends only (FastReg WRs invisible)',
    spec: COUNT_SENDS,
  },
  fixed: {
    label: 'the same transport counting every WR in the post (the 2021 fix)',
    spec: COUNT_WRS,
  },
  setup:
    '16 requests (SQ 16·7 + 1 = 113, mlx5-style retirement); 400 NFS WRITEs of 8 KiB (read chunk + FastReg) at once',
  stackOptions: () => ({ maxRequests: 16, sqRetirement: 'signaled-only' }),
  async workload(ctx) {
    const r = await parallelWrites(ctx, {
      name: 'chunked.dat',
      count: 400,
      size: 8192,
      timeoutNs: 60_000_000_000,
    });
    return {
      dataVerified: r.dataVerified,
      facts: { writes: 400, elapsedMs: Number((r.elapsedNs / 1e6).toFixed(3)) },
    };
  },
  explain(r) {
    const sends = Number(r.counters.signaled_sends) + Number(r.counters.unsignaled_sends);
    return [
      `400 WRITEs of 8 KiB each went as a read chunk: one FastReg WR chained before each Send; the server invalidated each MR with Send With Invalidate.`,
      `${r.counters.signaled_sends} of ${sends} Sends were signaled — the only points where the HCA frees Send Queue slots.`,
      ...describeBreakage(r),
    ];
  },
};
