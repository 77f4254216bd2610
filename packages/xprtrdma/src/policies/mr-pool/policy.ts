/**
 * How the client's FRWR MR pool behaves when an RPC needs more MRs than are free.
 *
 * - `'fixed'` — 3 MRs per request are created at connect and never more; an RPC that finds too
 *   few waits ("try again", EAGAIN → write space) until another RPC's MRs are invalidated. This
 *   is what nvme-rdma does (ib_mr_pool_init with a fixed count per queue), not xprtrdma.
 * - `'grow-on-demand'` — Linux xprtrdma since 4.12 ("xprtrdma: Allocate MRs on demand"):
 *   rpcrdma_mr_get() finding rb_mrs empty makes the marshal step fail with -EAGAIN after
 *   xprt_wait_for_buffer_space() and rpcrdma_mrs_refresh(), which queues rb_refresh_worker
 *   (one pending at a time). The worker, rpcrdma_mr_refresh_worker, runs rpcrdma_mrs_create —
 *   re_max_rdma_segs (ri_max_segs before 5.8) new MRs: DIV_ROUND_UP(RPCRDMA_MAX_DATA_SEGS,
 *   max_fast_reg_page_list_len) + 2, capped at RPCRDMA_MAX_HDR_SEGS — and then wakes writers
 *   (xprt_write_space). Nothing but the device limits the pool (the loop stops when frwr_mr_init
 *   fails, here past max_mr); MRs are freed only by rpcrdma_mrs_destroy at disconnect.
 *   Counted in `mrs_allocated` and `mr_refresh_count`.
 */
export type MrPoolPolicy = 'fixed' | 'grow-on-demand';

/** RPCRDMA_MAX_DATA_SEGS: pages of the largest payload (1 MiB of 4 KiB pages, xprt_rdma.h). */
export const RPCRDMA_MAX_DATA_SEGS = 256;
/** RPCRDMA_MAX_HDR_SEGS: segments one transport header can carry (xprt_rdma.h). */
export const RPCRDMA_MAX_HDR_SEGS = 16;

/**
 * MRs one refresh creates (frwr_query_device's re_max_rdma_segs): enough for the largest payload
 * at the device's fast-registration depth, plus head and tail, at most RPCRDMA_MAX_HDR_SEGS.
 */
export function mrsPerRefresh(maxFastRegPageListLen: number): number {
  const depth = Math.max(1, Math.min(maxFastRegPageListLen, RPCRDMA_MAX_DATA_SEGS));
  return Math.min(Math.ceil(RPCRDMA_MAX_DATA_SEGS / depth) + 2, RPCRDMA_MAX_HDR_SEGS);
}
