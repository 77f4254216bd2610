import { PAGE_SIZE } from '@rdmalab/kernel';
import { XDRBUF_READ, XdrBuf } from '@rdmalab/sunrpc';
import { DmaDirection, WcFlags, WcStatus, type WorkCompletion, wcStatusName } from '@rdmalab/verbs';
import { chunkLength } from '../protocol/chunks.js';
import { RdmaProc } from '../protocol/constants.js';
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

  let header: RdmaMsgHeader;
  let hdrLen: number;
  try {
    const decoded = decodeHeader(bytes);
    if (decoded.header.proc === RdmaProc.RDMA_ERROR) {
      stats.rdma_error_count++;
      const req = xprt.awaiting.get(decoded.header.xid);
      xprt.tp.reply.emit({
        xid: decoded.header.xid,
        credits: decoded.header.credits,
        proc: decoded.header.proc,
        waited: false,
      });
      // The server could not parse the Call: the RPC is left to time out and retransmit, as the
      // kernel's reply handler does after rpcrdma_decode_error.
      if (req !== undefined) releaseChunks(xprt, ep, req);
      return;
    }
    header = decoded.header;
    hdrLen = decoded.length;
  } catch (error) {
    if (!(error instanceof RpcRdmaHeaderError)) throw error;
    stats.bad_reply_count++;
    return;
  }

  // Credits (RFC 8166 §3.3.1): never below one (a zero grant would deadlock), never above our limit.
  const credits = Math.min(Math.max(header.credits, 1), ep.sizing.maxRequests);
  if (credits !== xprt.credits) {
    xprt.credits = credits;
    xprt.events.onCongestionWindow(credits);
  }

  const req = xprt.awaiting.get(header.xid);
  if (req === undefined) {
    stats.badXids++;
    return;
  }
  xprt.awaiting.delete(header.xid);
  req.awaitingReply = false;
  const reply = rebuildReply(xprt, req, header, bytes.subarray(hdrLen));
  if (reply === null) {
    stats.bad_reply_count++;
    releaseChunks(xprt, ep, req);
    return;
  }
  stats.total_rdma_reply +=
    chunkLength(header.writeList.flat()) + (header.replyChunk === null ? 0 : chunkLength(header.replyChunk));

  if ((wc.wcFlags & WcFlags.WITH_INVALIDATE) !== 0) {
    for (const r of req.mrs) if (r.mr.rkey === wc.invalidatedRkey) r.remotelyInvalidated = true;
  }
  if (xprt.policies.sendLifetime.unmapOnReply) {
    // Pre-2017: the reply path unmaps the Send's pages and considers the Send done.
    xprt.unmapReqSges(ep, req);
    req.sendOutstanding = false;
  }
  req.heldReply = reply;
  req.replyReady = true;
  const waits = req.decision?.rpcWaitsForSend === true && req.sendOutstanding;
  if (waits) stats.reply_waits_for_send++;
  xprt.tp.reply.emit({ xid: header.xid, credits: header.credits, proc: header.proc, waited: waits });
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
  const split = locateWriteChunkData(inline, written);
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
 * Where the write chunk's data was removed from the inline reply: just after the opaque length
 * word that equals the bytes written. RPC-over-RDMA v1 carries no position for write chunks (the
 * upper layer knows it, RFC 8166 §3.4.6); DDP-eligible results (NFS READ, READLINK) end with
 * the data item, so the last matching length word is taken.
 */
export function locateWriteChunkData(inline: Uint8Array, written: number): number {
  const view = new DataView(inline.buffer, inline.byteOffset, inline.byteLength);
  for (let p = inline.length - (inline.length & 3); p >= 4; p -= 4) {
    if (view.getUint32(p - 4) === written) return p;
  }
  return -1;
}
