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
 * When counting `sends` wraps the Send Queue, and when it cannot (mlx5-like 'signaled-only'
 * retirement: the WRs occupying the SQ are those posted after the last *reaped* signaled WR, W*).
 * m = max requests after clamping, k = MRs one RPC registers, f = the device's
 * max_fast_reg_page_list_len, D = 7 + 2·⌈(256 − f)/f⌉ WRs per RPC (frwr_query_device; 7 for
 * f ≥ 256), SQ = m·D + 1, batch B.
 * - Without the sendctx ring (`linux-4.14`, B = SQ/2 − 1) the countdown is the only bound. With a
 *   REG_MR chained before each Send and no LOCAL_INV posted (one MR per RPC, remotely invalidated
 *   by Send With Invalidate), counting Sends lets B + 1 posts of 2 WRs, 2·(SQ/2) ≥ SQ − 1 WRs, go
 *   out between signaled ones, and the posts made before that signaled completion is reaped (up to
 *   m − 1 RPCs in flight) overflow it: post_send fails with ENOMEM. For m = 16: SQ 113, B = 55,
 *   112 WRs + up to 30 more. Counting WRs signals every ⌈(B + 1)/2⌉ posts: 56 + 30 < 113.
 *   (`fastregWrapConfiguration`, test/fastreg-sq-wrap.test.ts.)
 * - With the ring (4.15 on) it cannot wrap under either counting, whatever the MR pool does (the
 *   kernel's grows on demand, rpcrdma_mrs_refresh; so does this model's by default). After W*:
 *   Sends ≤ m + 1 (the ring); RPCs that registered ≥ 2 MRs complete only when their signaled
 *   LOCAL_INV chain is reaped (which would be a later W*), so every such RPC with WRs after W* is
 *   still in flight (≤ m, the congestion window) and contributes ≤ D WRs (Send, k REG_MRs, k
 *   LOCAL_INVs, k ≤ (D − 1)/2); a request reused within the window freed itself by an RPC of ≤ 1
 *   remotely invalidated MR (≤ 2 WRs). For LOCAL_INVs to sit unreaped with prompt polling, some WR
 *   before them is incomplete — a Send the responder has not acknowledged, whose RPC has had no
 *   Reply and so posted no LOCAL_INV (≤ 1 + k WRs). Total ≤ (m − 1)·D + (1 + k) + 2 ≤ m·D + 1.
 *   The countdown appears nowhere in the bound: counting Sends only makes W* older, never the
 *   window larger than this.
 *   It assumes k ≤ (D − 1)/2, the kernel's 1 MiB (RPCRDMA_MAX_DATA_SEGS pages) payload limit;
 *   this model does not refuse a larger RPC, which would overflow under either counting.
 *   (test/fastreg-depth.test.ts: 8-page MRs, 256 KiB READs of 8 MRs each, the pool growing from
 *   48 MRs, both countings hold.)
 * The kernel's 2021 report (duplicate FastReg/LocalInv completions "on occasion") therefore came
 * from something this model does not have — provider-specific WQE sizes (an mlx5 UMR WQE takes
 * several Send Queue basic blocks) are one candidate; unconfirmed.
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
