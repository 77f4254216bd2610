import { PolicyError } from '../errors.js';
import type { SendPost, SignalCounter, SignalingPolicy, SignalingSizing } from './policy.js';

/**
 * How the batch is computed from the sizing, per era:
 * - `linux-4.14`: max_send_wr / 2 − 1 (the pre-2017 atomic countdown);
 * - `linux-4.15`: min(7, max_requests / 4) (RPCRDMA_MAX_SEND_BATCH, 2017 – 5.2);
 * - `linux-5.3`: max_requests / 8 (5.3 on: 16 for 128 slots).
 * A batch of 0 signals every Send (the kernel's arithmetic for fewer than 8 requests).
 */
export type BatchFormula = 'linux-4.14' | 'linux-4.15' | 'linux-5.3';

/**
 * What the countdown counts and how it is reset:
 * - `sends` — one per Send; chained FastReg WRs are invisible (2017 – 5.12);
 * - `wrs` — every WR in the post (5.13 on), reset to the batch when a Send is signaled;
 * - `wrs-5.13-reset` — every WR, reset to min(batch, wrs − counter) as 5.13 wrote it, which
 *   after the first batch signals every other single-WR Send.
 */
export type BatchCounting = 'sends' | 'wrs' | 'wrs-5.13-reset';

export interface BatchSignalingOptions {
  readonly formula: BatchFormula;
  readonly counting: BatchCounting;
}

export function computeBatch(formula: BatchFormula, sizing: SignalingSizing): number {
  switch (formula) {
    case 'linux-4.14':
      return Math.max(0, Math.floor(sizing.maxSendWr / 2) - 1);
    case 'linux-4.15':
      return Math.min(7, sizing.maxRequests >> 2);
    case 'linux-5.3':
      return sizing.maxRequests >> 3;
  }
}

/**
 * Signal once per batch (Jason Gunthorpe's suggestion in the seed commit): a countdown per
 * connection; a Send is signaled when the countdown runs out, or when the Send-lifetime policy
 * forces it.
 *
 * What it gets wrong depends on the options: counting `sends` lets chained FastReg WRs pile up
 * unsignaled on the Send Queue (fixed in 2021, "Avoid Send Queue wrapping"); `wrs-5.13-reset`
 * over-signals (an efficiency loss, not a correctness bug).
 *
 * Why `sends` cannot wrap the Send Queue in rdmalab's model (m = max requests after device
 * clamping, SQ = 7m + 1, ring = m + 2 send contexts, a fixed pool of 3m MRs, batch B = m/8 or
 * min(7, m/4)). Under 'signaled-only' retirement the WRs occupying the SQ are those posted after
 * the last reaped signaled WR.
 * - While completions are reaped promptly, occupancy is at most one run of WRs between two
 *   signaled WRs: ≤ B + 1 Sends; REG_MRs ≤ 3m for MRs still registered (an MR is re-registered only
 *   after a LOCAL_INV completion — a signaled WR that ends the run — or a Send With Invalidate, at
 *   most one per Reply, so ≤ B + 1 more); LOCAL_INVs ≤ one chain (its last WR is signaled) ≤ 3m.
 *   Total ≤ 6m + 2(B + 1) ≤ 6m + m/4 + 2 < 7m + 1 for m ≥ 2.
 * - While completions are not reaped (lost ACKs delay them), the countdown is irrelevant: no
 *   signaled WR of either counting retires anything, and occupancy is bounded by the ring (≤ m + 1
 *   Sends) and the MR pool, identically for `sends` and `wrs`.
 * A device with a small max_fast_reg_page_list_len raises the WRs per RPC but not the MR pool, so
 * the first bound holds (test/fastreg-depth.test.ts: 8-page MRs, 256 KiB READs, both countings).
 * The kernel's wrap needs what this model does not have: an MR pool that grows on demand
 * (rpcrdma_mrs_refresh), so REG_MRs in a run are bounded by nothing but the countdown.
 */
export class BatchSignaling implements SignalingPolicy {
  readonly name: string;
  constructor(readonly options: BatchSignalingOptions) {
    const formulas: readonly string[] = ['linux-4.14', 'linux-4.15', 'linux-5.3'];
    const countings: readonly string[] = ['sends', 'wrs', 'wrs-5.13-reset'];
    if (!formulas.includes(options.formula))
      throw new PolicyError(`formula must be one of ${formulas.join(', ')}, got ${String(options.formula)}`);
    if (!countings.includes(options.counting))
      throw new PolicyError(
        `counting must be one of ${countings.join(', ')}, got ${String(options.counting)}`,
      );
    this.name = `batch(${options.formula},${options.counting})`;
  }

  attach(sizing: SignalingSizing): SignalCounter {
    const batch = computeBatch(this.options.formula, sizing);
    const counting = this.options.counting;
    let count = batch;
    return {
      batch,
      signal(post: SendPost): boolean {
        if (counting === 'sends') {
          if (post.force || count === 0) {
            count = batch;
            return true;
          }
          count--;
          return false;
        }
        if (post.force || post.wrs > count) {
          count = counting === 'wrs' ? batch : Math.min(batch, Math.max(0, post.wrs - count));
          return true;
        }
        count -= post.wrs;
        return false;
      },
    };
  }
}
