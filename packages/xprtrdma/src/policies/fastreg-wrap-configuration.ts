import { type PolicySpec, SCENARIO_PRESETS } from './presets.js';

/**
 * A configuration in which counting only Sends in the signaling countdown wraps the Send Queue
 * (Linux 2021, "xprtrdma: Avoid Send Queue wrapping"), and counting every WR does not. Plain data,
 * so a scenario can build the same stack on any backend and print what it ran.
 *
 * Why this one (the arithmetic, for m = 16): the pre-ring transport (linux-4.14) has no sendctx
 * ring, so the countdown is the only bound on unsignaled WRs. max_send_wr = 16 × 7 + 1 = 113 and
 * its batch is 113/2 − 1 = 55 Sends. Each WRITE larger than the inline threshold goes as a read
 * chunk: one REG_MR chained before its Send (2 WRs per post), and the server invalidates that one
 * MR with Send With Invalidate, so no LOCAL_INV (a signaled WR that would retire the queue) is ever
 * posted. Counting Sends, 56 posts put 112 WRs on the queue before the signaled one, and the posts
 * made before its completion is reaped (up to 15 more RPCs in flight, 30 WRs) push occupancy past
 * 113 on an mlx5-like device, which frees slots only when a signaled completion is reaped:
 * post_send fails with ENOMEM, the transport disconnects, the RPCs are retransmitted on a new
 * connection. Counting WRs signals every 28 posts (56 WRs); 56 + 30 < 113, so it holds.
 *
 * Neither multi-MR RPCs nor the MR pool's growth are needed: with more than one MR per RPC every
 * Reply posts a signaled LOCAL_INV chain, which retires the queue sooner.
 */
export interface FastregWrapConfiguration {
  /** Device attributes of the client's HCA (a partial of the verbs DeviceAttributes). */
  readonly clientDevice: { readonly maxFastRegPageListLen: number };
  /** How the client's HCA frees Send Queue slots: only when a signaled completion is reaped. */
  readonly sqRetirement: 'signaled-only';
  /** Client transport options (RdmaClientOptions fields). */
  readonly client: { readonly maxRequests: number };
  /** The workload: that many WRITE-type calls of `bytes` each, all issued at once. */
  readonly workload: {
    readonly kind: 'write';
    readonly count: number;
    readonly bytes: number;
    /** How each call travels, as the transport's marshal step decides it. */
    readonly chunk: 'read-chunk';
    /** The server answers with Send With Invalidate (RdmaServerOptions.sendWithInvalidate). */
    readonly sendWithInvalidate: true;
  };
  /** The arithmetic above, for printing next to the result. */
  readonly expected: {
    readonly maxSendWr: number;
    readonly batch: number;
    readonly wrsPerPost: number;
  };
  readonly broken: PolicySpec;
  readonly fixed: PolicySpec;
}

const MAX_REQUESTS = 16;
/** max_send_wr for 16 requests of depth 7 (no extra MRs at this fast-registration depth) + drain. */
const MAX_SEND_WR = MAX_REQUESTS * 7 + 1;

export const fastregWrapConfiguration: FastregWrapConfiguration = {
  clientDevice: { maxFastRegPageListLen: 512 },
  sqRetirement: 'signaled-only',
  client: { maxRequests: MAX_REQUESTS },
  workload: { kind: 'write', count: 400, bytes: 8192, chunk: 'read-chunk', sendWithInvalidate: true },
  expected: { maxSendWr: MAX_SEND_WR, batch: Math.floor(MAX_SEND_WR / 2) - 1, wrsPerPost: 2 },
  broken: SCENARIO_PRESETS['fastreg-sq-wrap'].broken,
  fixed: SCENARIO_PRESETS['fastreg-sq-wrap'].fixed,
};
