/** Counters of the server transport (svcrdma's sysctl counters and rdmalab's extras). */
export class SvcRdmaStats {
  connects = 0;
  disconnects = 0;
  /** Calls received (rdma_stat_recv). */
  receives = 0;
  /** Replies sent (rdma_stat_sq_... counted per Send). */
  sends = 0;
  bytesSent = 0;
  bytesReceived = 0;
  badXids = 0;
  readChunks = 0;
  writeChunks = 0;
  replyChunks = 0;
  /** RDMA_ERROR replies: ERR_VERS and ERR_CHUNK. */
  errVers = 0;
  errChunk = 0;
  /** Headers dropped without a reply (no xid, or an obsolete procedure). */
  dropped = 0;
  sendWithInvalidate = 0;
  /** Connections closed on a fault (a bad chunk, a failed RDMA op). */
  connectionFaults = 0;

  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(this)) if (typeof v === 'number') out[k] = v;
    return out;
  }
}
