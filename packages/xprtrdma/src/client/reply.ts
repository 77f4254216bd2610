import { PAGE_SIZE } from '@rdmalab/kernel';
import { RpcTransportReplyError, XDRBUF_READ, XdrBuf } from '@rdmalab/sunrpc';
import { DmaDirection, WcFlags, WcStatus, type WorkCompletion, wcStatusName } from '@rdmalab/verbs';
import { chunkLength } from '../protocol/chunks.js';
import { RdmaErrcode, RdmaProc } from '../protocol/constants.js';
import { RpcRdmaHeaderError } from '../protocol/errors.js';
import { decodeHeader, type RdmaMsgHeader } from '../protocol/header.js';
import type { RdmaRequest, RecvBuffer } from './buffers.js';
import type { Endpoint } from './endpoint.js';
import type { RpcRdmaXprt } from './xprt.js';

/**
 * The receive completion handler (rpcrdma_wc_receive + rpcrdma_reply_handler): copy the inline
 * reply out, repost the receive before anything can wake a sender, decode the transport header,
 * update credits, find the request, rebuild the reply's XdrBuf, invalidate the chunk MRs and
 * complete the RPC — or hold it until its Send retires when the policy says so.
 */
export function handleReceive(xprt: RpcRdmaXprt, ep: Endpoint, buf: RecvBuffer, wc: WorkCompletion): void {
  if (wc.status !== WcStatus.SUCCESS) {
    if (wc.status !== WcStatus.WR_FLUSH_ERR) xprt.fatal(ep, `receive completion ${wcStatusName(wc.status)}`);
    return;
  }
  const stats = xprt.stats;
  stats.receives++;
  stats.bytesReceived += wc.byteLen;
  ep.device.dma.syncForCpu(buf.addr, wc.byteLen, DmaDirection.FROM_DEVICE);
  const bytes = buf.page.bytes.slice(0, wc.byteLen);
  if (ep.state === 'connected') xprt.postRecv(ep, buf);

  let decoded: ReturnType<typeof decodeHeader>;
  try {
    decoded = decodeHeader(bytes);
  } catch (error) {
    if (!(error instanceof RpcRdmaHeaderError)) throw error;
    stats.bad_reply_count++;
    return;
  }
  const header = decoded.header;

  // Credits (RFC 8166 §3.3.1), from every header RDMA_ERROR included: never below one (a zero
  // grant would deadlock), never above our limit.
  const credits = Math.min(Math.max(header.credits, 1), ep.sizing.maxRequests);
  if (credits !== xprt.credits) {
    xprt.credits = credits;
    xprt.events.onCongestionWindow(credits);
  }

  const req = xprt.awaiting.get(header.xid);
  if (req === undefined) {
    if (header.proc === RdmaProc.RDMA_ERROR) stats.rdma_error_count++;
    stats.badXids++;
    return;
  }
  xprt.awaiting.delete(header.xid);
  req.awaitingReply = false;
  if (header.proc === RdmaProc.RDMA_ERROR) {
    // rpcrdma_decode_error: the server could not use the Call. The RPC fails now with the code
    // (the kernel completes the rqst with -EIO) once its chunks are invalidated; the connection
    // stays up.
    stats.rdma_error_count++;
    const vers = header.err === RdmaErrcode.ERR_VERS;
    if (vers) stats.err_vers_count++;
    else stats.err_chunk_count++;
    req.heldError = new RpcTransportReplyError(
      vers ? 'ERR_VERS' : 'ERR_CHUNK',
      'rdma',
      vers ? { low: header.versLow, high: header.versHigh } : undefined,
      `RDMA_ERROR for xid 0x${header.xid.toString(16)}`,
    );
    finishReply(xprt, ep, req, wc, header.xid, header.credits, header.proc);
    return;
  }
  const reply = rebuildReply(xprt, req, header, bytes.subarray(decoded.length));
  if (reply === null) {
    stats.bad_reply_count++;
    releaseChunks(xprt, ep, req);
    return;
  }
  stats.total_rdma_reply +=
    chunkLength(header.writeList.flat()) + (header.replyChunk === null ? 0 : chunkLength(header.replyChunk));

  req.heldReply = reply;
  finishReply(xprt, ep, req, wc, header.xid, header.credits, header.proc);
}

/**
 * The reply (or RDMA_ERROR) of `req` is in: note a remote invalidation, unmap on reply when the
 * policy says so, invalidate the chunk MRs, then complete the RPC — or hold it until its Send
 * retires.
 */
function finishReply(
  xprt: RpcRdmaXprt,
  ep: Endpoint,
  req: RdmaRequest,
  wc: WorkCompletion,
  xid: number,
  credits: number,
  proc: number,
): void {
  if ((wc.wcFlags & WcFlags.WITH_INVALIDATE) !== 0) {
    for (const r of req.mrs) if (r.mr.rkey === wc.invalidatedRkey) r.remotelyInvalidated = true;
  }
  if (xprt.policies.sendLifetime.unmapOnReply) {
    // Pre-2017: the reply path unmaps the Send's pages and considers the Send done.
    xprt.unmapReqSges(ep, req);
    req.sendOutstanding = false;
  }
  req.replyReady = true;
  const waits = req.decision?.rpcWaitsForSend === true && req.sendOutstanding;
  if (waits) xprt.stats.reply_waits_for_send++;
  xprt.tp.reply.emit({ xid, credits, proc, waited: waits });
  if (req.mrs.length > 0) {
    req.invalidating = true;
    xprt.invalidateMrs(ep, req, () => {
      req.invalidating = false;
      xprt.tryComplete(req);
    });
  } else {
    xprt.tryComplete(req);
  }
}

/** Drop the chunk registrations of an RPC that will not complete through this reply. */
function releaseChunks(xprt: RpcRdmaXprt, ep: Endpoint, req: RdmaRequest): void {
  if (req.mrs.length === 0) {
    xprt.freeTransportPages(req);
    return;
  }
  xprt.invalidateMrs(ep, req, () => xprt.freeTransportPages(req));
}

/**
 * The reply as the RPC layer reads it. RDMA_MSG: the inline body; with a write chunk the
 * payload already sits in the caller's pages and the inline part is split around it. RDMA_NOMSG:
 * the whole reply was written into the reply chunk.
 */
function rebuildReply(
  xprt: RpcRdmaXprt,
  req: RdmaRequest,
  header: RdmaMsgHeader,
  inline: Uint8Array,
): XdrBuf | null {
  const rpc = req.rpc;
  if (rpc === null) return null;
  if (header.proc === RdmaProc.RDMA_NOMSG) {
    if (header.replyChunk === null) return null;
    const length = chunkLength(header.replyChunk);
    if (length > req.replyChunkPages.length * PAGE_SIZE) return null;
    const out = new Uint8Array(length);
    for (let at = 0; at < length; at += PAGE_SIZE) {
      const page = req.replyChunkPages[at / PAGE_SIZE]!;
      out.set(page.bytes.subarray(0, Math.min(PAGE_SIZE, length - at)), at);
    }
    return XdrBuf.fromBytes(out);
  }
  const chunk = header.writeList[0];
  const placement = rpc.reply.pages;
  if (chunk === undefined || placement === undefined) return XdrBuf.fromBytes(inline.slice());
  const written = chunkLength(chunk);
  if (written > placement.length) return null;
  const split = splitWriteChunkReply(xprt, inline, written, rpc.reply.headLength);
  if (split < 0) return null;
  const pad = (4 - (written & 3)) & 3;
  const tail = new Uint8Array(pad + inline.length - split);
  tail.set(inline.subarray(split), pad);
  xprt.stats.bytesReceived += written;
  return new XdrBuf({
    head: inline.slice(0, split),
    pages: placement.pages,
    pageBase: placement.base,
    pageLen: written,
    tail,
    flags: XDRBUF_READ,
  });
}

/**
 * Where the write chunk's data was cut out of the inline reply. RPC-over-RDMA v1 carries no
 * position for a write chunk (the upper layer knows it, RFC 8166 §3.4.6): the caller's
 * `headLength` (the kernel's rq_rcv_buf.head[0].iov_len, an upper bound) says it —
 * min(headLength, inline bytes), checked against the data's length word just before it. Without a
 * hint, or when the check fails, fall back to the scan (counted in write_chunk_split_scans).
 */
function splitWriteChunkReply(
  xprt: RpcRdmaXprt,
  inline: Uint8Array,
  written: number,
  headLength: number | undefined,
): number {
  if (headLength !== undefined) {
    const split = Math.min(headLength, inline.length);
    if (split >= 4 && (split & 3) === 0) {
      const view = new DataView(inline.buffer, inline.byteOffset, inline.byteLength);
      if (view.getUint32(split - 4) === written) return split;
    }
    xprt.stats.write_chunk_head_mismatch++;
  }
  xprt.stats.write_chunk_split_scans++;
  return locateWriteChunkData(inline, written);
}

/**
 * The fallback split: just after the last opaque length word that equals the bytes written.
 * DDP-eligible results (NFS READ, READLINK) end with the data item, so the last match is the
 * length word — unless a result after the data repeats that number.
 */
export function locateWriteChunkData(inline: Uint8Array, written: number): number {
  const view = new DataView(inline.buffer, inline.byteOffset, inline.byteLength);
  for (let p = inline.length - (inline.length & 3); p >= 4; p -= 4) {
    if (view.getUint32(p - 4) === written) return p;
  }
  return -1;
}
