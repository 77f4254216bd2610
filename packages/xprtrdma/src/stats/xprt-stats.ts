/**
 * The counters of one RDMA transport, named as on the mountstats `xprt: rdma` line
 * (net/sunrpc/xprtrdma/transport.c xprt_rdma_print_stats) plus rdmalab's Send-path extras.
 * Plain fields: the hot path increments them without a name lookup.
 */
export class XprtRdmaStats {
  connects = 0;
  disconnects = 0;
  /** RPC Calls posted (each Send of a Call). */
  sends = 0;
  receives = 0;
  bytesSent = 0;
  bytesReceived = 0;
  badXids = 0;
  // ── mountstats `xprt: rdma` fields ──
  read_chunk_count = 0;
  write_chunk_count = 0;
  reply_chunk_count = 0;
  total_rdma_request = 0;
  total_rdma_reply = 0;
  pullup_copy_count = 0;
  hardway_register_count = 0;
  failed_marshal_count = 0;
  bad_reply_count = 0;
  mrs_recycled = 0;
  mrs_orphaned = 0;
  mrs_allocated = 0;
  empty_sendctx_q = 0;
  reply_waits_for_send = 0;
  local_inv_needed = 0;
  // ── rdmalab extras ──
  /** Sends posted with IB_SEND_SIGNALED. */
  signaled_sends = 0;
  unsignaled_sends = 0;
  /** Send completions the handler processed (one per signaled Send, plus flushed/failed ones). */
  send_completions = 0;
  /** Replies that completed an RPC. */
  rpcs_completed = 0;
  /** ENOMEM from post_send: the Send Queue overflowed. */
  post_send_enomem = 0;
  /** DMA-map failures during Send preparation. */
  prepsend_failed = 0;
  /** RDMA_ERROR replies received. */
  rdma_error_count = 0;
  /** RDMA_ERROR ERR_VERS / ERR_CHUNK replies that failed their RPC (the rest matched no xid). */
  err_vers_count = 0;
  err_chunk_count = 0;
  /**
   * Write-chunk replies split by scanning back for the data's length word because the caller
   * gave no `headLength` (ReplyPlacement) — or gave one the reply did not match.
   */
  write_chunk_split_scans = 0;
  /** Of those, replies whose `headLength` hint did not end at the data's length word. */
  write_chunk_head_mismatch = 0;
  /**
   * The client asked for a request below the request limit and the pool had none free: every
   * spare request was waiting for its Send to retire (recycle gating, 7.2). Its waiters are woken
   * when one is recycled.
   */
  req_pool_empty = 0;
  /** Send preparation returned "try again" because no MR was free. */
  mr_exhausted = 0;
  /**
   * MR refreshes run (rb_refresh_worker, `'grow-on-demand'` pools): each created up to
   * re_max_rdma_segs MRs, added to `mrs_allocated`.
   */
  mr_refresh_count = 0;
  /** A verbs resource failed to be released at teardown (the transport still reconnects). */
  teardown_errors = 0;
  /** Retransmissions that invalidated the chunks their previous transmission registered. */
  retransmit_chunk_resets = 0;

  /** Send completions per completed RPC: 1 for signal-every-Send, about 1/batch with batching. */
  get completionsPerRpc(): number {
    return this.rpcs_completed === 0 ? 0 : this.send_completions / this.rpcs_completed;
  }

  /** Every counter by name, for TransportStats.extra and reports. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(this)) if (typeof v === 'number') out[k] = v;
    return out;
  }

  /**
   * The rdma part of a mountstats line, fields in the kernel's order (transport.c, 5.x):
   * `xprt: rdma 0 0 connects 0 ... read_chunk write_chunk reply_chunk total_rdma_req total_rdma_rep
   * pullup fixup hardway failed_marshal bad_reply nomsg_call mrs_recycled mrs_orphaned
   * mrs_allocated local_inv_needed empty_sendctx_q reply_waits_for_send`.
   */
  mountstatsLine(): string {
    const f = [
      this.read_chunk_count,
      this.write_chunk_count,
      this.reply_chunk_count,
      this.total_rdma_request,
      this.total_rdma_reply,
      this.pullup_copy_count,
      0,
      this.hardway_register_count,
      this.failed_marshal_count,
      this.bad_reply_count,
      0,
      this.mrs_recycled,
      this.mrs_orphaned,
      this.mrs_allocated,
      this.local_inv_needed,
      this.empty_sendctx_q,
      this.reply_waits_for_send,
    ];
    return `xprt: rdma 0 0 ${this.connects} 0 0 ${this.sends} ${this.receives} ${this.badXids} 0 0 0 0 ${f.join(' ')}`;
  }
}
