import { PAGE_SIZE, type Page } from '@rdmalab/kernel';
import { RING_EMPTY, type SendCtx } from '@rdmalab/sendctx';
import { type RpcRequest, TransportError, XDRBUF_READ, XDRBUF_WRITE } from '@rdmalab/sunrpc';
import {
  type CompletionHandler,
  DmaDirection,
  DmaMappingError,
  SendFlags,
  type SendWr,
  type Sge,
  VerbsError,
  WrOpcode,
} from '@rdmalab/verbs';
import type { ReadSegment, WriteChunk } from '../protocol/chunks.js';
import { RdmaProc, RPCRDMA_HDRLEN_MIN } from '../protocol/constants.js';
import { encodeHeader, type RdmaMsgHeader } from '../protocol/header.js';
import type { RdmaRequest } from './buffers.js';
import type { Endpoint, MappedSge } from './endpoint.js';
import type { RegisteredMr } from './frwr.js';
import { ctxGeneration, type RpcRdmaXprt } from './xprt.js';

/** How the call travels (rpcrdma_marshal_req's rtype). */
export type CallChunkType = 'inline-pullup' | 'inline-gather' | 'read-chunk' | 'position-zero';
/** How the reply comes back (wtype). */
export type ReplyChunkType = 'inline' | 'write-chunk' | 'reply-chunk';

/** What marshalling decided for one call; exported for tests and traces. */
export interface MarshalPlan {
  readonly rtype: CallChunkType;
  readonly wtype: ReplyChunkType;
}

/**
 * Choose the chunk types as rpcrdma_marshal_req does: results inline if they fit, else a write
 * chunk for READ-type payload, else a reply chunk; arguments inline if they fit, else a read
 * chunk for WRITE-type payload, else RDMA_NOMSG with a position-zero read chunk.
 */
export function planMarshal(xprt: RpcRdmaXprt, ep: Endpoint, rpc: RpcRequest): MarshalPlan {
  const { inlineSend, inlineRecv } = ep.inline;
  const reply = rpc.reply;
  let wtype: ReplyChunkType;
  if (expectedReplyLength(rpc) <= inlineRecv - RPCRDMA_HDRLEN_MIN) wtype = 'inline';
  else if ((reply.flags & XDRBUF_READ) !== 0 && reply.pages !== undefined && reply.pages.length > 0)
    wtype = 'write-chunk';
  else wtype = 'reply-chunk';
  // Room the chunk lists of the reply take in the header (one MR each when they fit one).
  const wroom =
    wtype === 'inline'
      ? 0
      : 8 +
        16 * ep.frwr.mrsNeeded(0, wtype === 'write-chunk' ? reply.pages!.length : expectedReplyLength(rpc));
  const maxInline = inlineSend - RPCRDMA_HDRLEN_MIN - wroom;
  const buf = rpc.sndBuf;
  const sges = 2 + pagesTouched(buf.pageBase, buf.pageLen) + (buf.tail.length > 0 ? 1 : 0);
  let rtype: CallChunkType;
  if (buf.length <= maxInline) {
    const pull =
      buf.pageLen + buf.tail.length === 0 ||
      xprt.policies.inlinePages.pullUp(buf.pageLen + buf.tail.length, PAGE_SIZE - buf.head.length);
    rtype = pull || sges > ep.sizing.maxSendSge ? 'inline-pullup' : 'inline-gather';
  } else if (
    (buf.flags & XDRBUF_WRITE) !== 0 &&
    buf.pageLen > 0 &&
    buf.head.length + buf.tail.length <= maxInline - 24 * ep.frwr.mrsNeeded(buf.pageBase, buf.pageLen)
  ) {
    rtype = 'read-chunk';
  } else {
    rtype = 'position-zero';
  }
  return { rtype, wtype };
}

/**
 * The largest reply the caller expects (the kernel's rq_rcvsize): its hint, or else the head
 * before the pages plus the pages — 0 with no hint and no pages, so a reply chunk is offered only
 * when the caller says the reply may outgrow the inline threshold.
 */
export function expectedReplyLength(rpc: RpcRequest): number {
  const reply = rpc.reply;
  return reply.maxLength ?? (reply.headLength ?? 0) + (reply.pages?.length ?? 0);
}

function pagesTouched(base: number, length: number): number {
  if (length === 0) return 0;
  return Math.floor((base + length - 1) / PAGE_SIZE) - Math.floor(base / PAGE_SIZE) + 1;
}

/**
 * The send path (xprt_rdma_send_request → rpcrdma_marshal_req → rpcrdma_prepare_send_sges →
 * frwr_send): register chunk memory, take a send context, build the header and the SGE list,
 * decide signaling, post the REG_MR WRs chained before the Send. Throws TransportError: EAGAIN
 * when the ring is empty, MRs ran out or a DMA mapping failed (the client waits for write space);
 * ENOTCONN when not connected or the post failed.
 */
export function sendRequest(xprt: RpcRdmaXprt, rpc: RpcRequest): void {
  const ep = xprt.ep;
  if (ep === null || ep.state !== 'connected')
    throw new TransportError('ENOTCONN', `${xprt.label}: not connected`);
  if (xprt.options.scheduler.now() < xprt.prepRetryAtNs)
    throw new TransportError('EAGAIN', `${xprt.label}: backing off after a failed Send preparation`);
  const req = rpc.slot as RdmaRequest;
  if (!(xprt.pool?.all.includes(req) ?? false))
    throw new TransportError(
      'EINVAL',
      `${xprt.label}: slot ${rpc.slot.id} was not allocated by this transport`,
    );
  // A retransmission (rpcrdma_marshal_req's frwr_reset): the chunks the previous transmission
  // registered are invalidated before new MRs are taken, or they would stay registered for good.
  if (req.mrs.length > 0 || req.bouncePages.length > 0 || req.replyChunkPages.length > 0)
    discardPreviousChunks(xprt, ep, req);
  const plan = planMarshal(xprt, ep, rpc);
  const stats = xprt.stats;

  // 1. Chunks (frwr_map): register before taking a send context, as the kernel does.
  const regs: RegisteredMr[] = [];
  const regWrs: SendWr[] = [];
  const bounce: Page[] = [];
  const replyPages: Page[] = [];
  const memory = ep.device.memory;
  let readList: ReadSegment[] = [];
  let writeList: WriteChunk[] = [];
  let replyChunk: WriteChunk | null = null;
  const undoChunks = (): void => {
    for (const r of regs) ep.frwr.releaseUnposted(r);
    for (const p of bounce) memory.free(p);
    for (const p of replyPages) memory.free(p);
  };
  const register = (
    pages: readonly Page[],
    base: number,
    length: number,
    remoteWrite: boolean,
  ): RdmaSegmentList => {
    const out = ep.frwr.register(pages, base, length, remoteWrite);
    if (out === null) {
      stats.mr_exhausted++;
      xprt.refreshMrs(ep);
      throw new TransportError('EAGAIN', `${xprt.label}: no free MR for xid 0x${rpc.xid.toString(16)}`);
    }
    regs.push(...out.regs);
    regWrs.push(...out.wrs);
    return out.regs.map((r) => r.segment);
  };
  const buf = rpc.sndBuf;
  try {
    if (plan.wtype === 'write-chunk') {
      const pr = rpc.reply.pages!;
      writeList = [register(pr.pages, pr.base, pr.length, true)];
      stats.write_chunk_count++;
    } else if (plan.wtype === 'reply-chunk') {
      const length = expectedReplyLength(rpc);
      const n = Math.ceil(length / PAGE_SIZE);
      for (let i = 0; i < n; i++) replyPages.push(memory.alloc(`${xprt.label}:xid${rpc.xid}:replych`));
      replyChunk = register(replyPages, 0, length, true);
      stats.reply_chunk_count++;
    }
    if (plan.rtype === 'read-chunk') {
      const position = buf.head.length;
      readList = register(buf.pages, buf.pageBase, buf.pageLen, false).map((s) => ({ position, ...s }));
      stats.read_chunk_count++;
    } else if (plan.rtype === 'position-zero') {
      // The whole call is Read by the server: copy it into pages this request owns.
      const bytes = buf.toBytes();
      const n = Math.ceil(bytes.length / PAGE_SIZE);
      for (let i = 0; i < n; i++) {
        const p = memory.alloc(`${xprt.label}:xid${rpc.xid}:nomsg`);
        p.bytes.set(bytes.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE));
        bounce.push(p);
      }
      readList = register(bounce, 0, bytes.length, false).map((s) => ({ position: 0, ...s }));
      stats.read_chunk_count++;
    }
  } catch (error) {
    undoChunks();
    if (error instanceof DmaMappingError) prepFailed(xprt, ep, rpc.xid, null, error);
    throw error;
  }

  // 2. A send context (rpcrdma_sendctx_get_locked). Without the ring nothing bounds the Sends.
  const ring = ep.ring;
  let ctx: SendCtx<MappedSge, RdmaRequest> | null = null;
  if (ring !== null) {
    const got = ring.get(() => xprt.events.onWriteSpace());
    if (got === RING_EMPTY) {
      undoChunks();
      stats.empty_sendctx_q++;
      xprt.tp.emptySendctx.emit({ outstanding: ring.outstanding });
      throw new TransportError('EAGAIN', `${xprt.label}: send context ring empty`);
    }
    ctx = got;
  }

  // 3. The header, then the SGEs (rpcrdma_prepare_send_sges).
  const header: RdmaMsgHeader = {
    xid: rpc.xid,
    credits: ep.sizing.maxRequests,
    proc: plan.rtype === 'position-zero' ? RdmaProc.RDMA_NOMSG : RdmaProc.RDMA_MSG,
    readList,
    writeList,
    replyChunk,
  };
  const hdrLen = encodeHeader(header, req.hdrBuf);
  const lkey = ep.pd.localDmaLkey;
  const sges: Sge[] = [{ addr: req.hdrAddr, length: hdrLen, lkey }];
  const mapped: MappedSge[] = [];
  const sendBuf = req.sendBuf;
  let sendLen = 0;
  try {
    if (plan.rtype !== 'position-zero') {
      if (!aliases(buf.head, sendBuf)) sendBuf.set(buf.head, 0);
      sendLen = buf.head.length;
      if (plan.rtype === 'inline-pullup') {
        let at = sendLen;
        for (const seg of buf.segments().slice(buf.head.length > 0 ? 1 : 0)) {
          sendBuf.set(seg, at);
          at += seg.length;
        }
        if (buf.pageLen + buf.tail.length > 0) stats.pullup_copy_count++;
        sendLen = at;
        if (sendLen > 0) sges.push({ addr: req.sendAddr, length: sendLen, lkey });
      } else if (plan.rtype === 'inline-gather') {
        if (sendLen > 0) sges.push({ addr: req.sendAddr, length: sendLen, lkey });
        let pos = buf.pageBase;
        let left = buf.pageLen;
        while (left > 0) {
          const index = Math.floor(pos / PAGE_SIZE);
          const offset = pos - index * PAGE_SIZE;
          const n = Math.min(PAGE_SIZE - offset, left);
          const addr = ep.device.dma.mapPage(buf.pages[index]!, offset, n, DmaDirection.TO_DEVICE);
          mapped.push({ addr, length: n });
          sges.push({ addr, length: n, lkey });
          pos += n;
          left -= n;
        }
        if (buf.tail.length > 0) {
          sendBuf.set(buf.tail, sendLen);
          sges.push({ addr: req.sendAddr + sendLen, length: buf.tail.length, lkey });
        }
      } else {
        // read chunk: the tail goes inline without the XDR pad of the chunk data (RFC 8166 §3.4.5)
        const pad = (4 - (buf.pageLen & 3)) & 3;
        const tail = buf.tail.subarray(Math.min(pad, buf.tail.length));
        sendBuf.set(tail, sendLen);
        sendLen += tail.length;
        if (sendLen > 0) sges.push({ addr: req.sendAddr, length: sendLen, lkey });
      }
    }
  } catch (error) {
    for (const m of mapped) ep.device.dma.unmapPage(m.addr, m.length, DmaDirection.TO_DEVICE);
    undoChunks();
    if (error instanceof DmaMappingError) prepFailed(xprt, ep, rpc.xid, ctx, error);
    throw error;
  }
  ep.device.dma.syncForDevice(req.hdrAddr, hdrLen, DmaDirection.TO_DEVICE);
  if (sendLen > 0) ep.device.dma.syncForDevice(req.sendAddr, sendLen, DmaDirection.TO_DEVICE);

  // 4. Lifetime and signaling decisions (rpcrdma_prepare_send / frwr_send).
  const decision = xprt.policies.sendLifetime.decide({
    mappedPages: mapped.length > 0,
    registeredMrs: regs.length > 0,
  });
  const wrs = 1 + regWrs.length;
  const signaled = ep.signal.signal({ wrs, force: decision.forceSignal });
  req.sendGeneration++;
  req.decision = decision;
  req.mrs = regs;
  req.bouncePages = bounce;
  req.replyChunkPages = replyPages;
  req.rpc = rpc;
  req.heldReply = null;
  req.heldError = null;
  req.replyReady = false;
  req.invalidating = false;
  let handler: CompletionHandler | undefined;
  if (ctx !== null) {
    ctx.req = req;
    ctx.sges.length = 0;
    ctx.sges.push(...mapped);
    ctx.unmapCount = mapped.length;
    ctxGeneration.set(ctx, req.sendGeneration);
    handler = ep.ctxHandlers[ctx.index];
  } else {
    req.mappedSges = mapped;
    handler = xprt.noRingHandler(ep);
  }
  const sendWr: SendWr = {
    wrId: req.id,
    opcode: WrOpcode.SEND,
    sgList: sges,
    flags: signaled ? SendFlags.SIGNALED : SendFlags.NONE,
    cqe: handler,
  };
  req.sendOutstanding = true;
  req.awaitingReply = true;
  xprt.awaiting.set(rpc.xid, req);
  // Trace before posting: the completion may free what the trace would read (2020 fix).
  xprt.tp.marshal.emit({
    xid: rpc.xid,
    hdrlen: hdrLen,
    rtype: plan.rtype,
    wtype: plan.wtype,
    headlen: buf.head.length,
    pagelen: buf.pageLen,
    taillen: buf.tail.length,
  });
  xprt.tp.postSend.emit({ xid: rpc.xid, ctx: ctx?.index ?? -1, num_sge: sges.length, signaled, wrs });
  try {
    ep.qp.postSend([...regWrs, sendWr]);
  } catch (error) {
    const code = error instanceof VerbsError ? error.code : 'EIO';
    if (code === 'ENOMEM') stats.post_send_enomem++;
    xprt.tp.postSendErr.emit({ xid: rpc.xid, code });
    // The kernel disconnects on any post failure; the flush retires what was posted.
    xprt.fatal(ep, `post_send ${code}`);
    throw new TransportError('ENOTCONN', `${xprt.label}: post_send failed with ${code}`, { cause: error });
  }
  stats.sends++;
  xprt.prepFailuresInARow = 0;
  stats.total_rdma_request +=
    chunkBytes(readList) + chunkBytes(writeList.flat()) + chunkBytes(replyChunk ?? []);
  stats.bytesSent += hdrLen + (plan.rtype === 'position-zero' ? 0 : buf.length);
  if (signaled) stats.signaled_sends++;
  else stats.unsignaled_sends++;
}

type RdmaSegmentList = WriteChunk;

/**
 * Invalidate the MRs of the previous transmission of `req` (LOCAL_INV, ordered before the new
 * REG_MRs on the Send Queue) and free its transport pages once the peer can no longer reach them.
 */
function discardPreviousChunks(xprt: RpcRdmaXprt, ep: Endpoint, req: RdmaRequest): void {
  xprt.stats.retransmit_chunk_resets++;
  const pages = [...req.bouncePages, ...req.replyChunkPages];
  req.bouncePages = [];
  req.replyChunkPages = [];
  const memory = ep.device.memory;
  xprt.invalidateMrs(ep, req, () => {
    for (const p of pages) memory.free(p);
  });
}

/** Delay before the client retries after a first failed Send preparation. */
const PREP_RETRY_NS = 10_000;
/** Consecutive failures retried every PREP_RETRY_NS before the delay starts doubling. */
const PREP_RETRY_FLAT = 64;
/** Longest retry delay: rpc_delay(task, HZ >> 2) as call_transmit_status uses for ENOBUFS. */
const PREP_RETRY_MAX_NS = 250_000_000;

function chunkBytes(segs: readonly { length: number }[]): number {
  let n = 0;
  for (const s of segs) n += s.length;
  return n;
}

/** Whether `view` already lies at the start of `buffer` (the client encoded into the send buffer). */
function aliases(view: Uint8Array, buffer: Uint8Array): boolean {
  return view.buffer === buffer.buffer && view.byteOffset === buffer.byteOffset;
}

/**
 * A DMA mapping failed while preparing the Send: count it, let the policy decide what happens to
 * the send context, and ask the client to try again (it waits for write space).
 */
function prepFailed(
  xprt: RpcRdmaXprt,
  ep: Endpoint,
  xid: number,
  ctx: SendCtx<MappedSge, RdmaRequest> | null,
  error: DmaMappingError,
): never {
  xprt.stats.failed_marshal_count++;
  xprt.stats.prepsend_failed++;
  xprt.tp.prepsendFailed.emit({ xid, error: error.message });
  if (ctx !== null && ep.ring !== null) xprt.policies.prepFailure.onPrepareFailed(ep.ring, ctx);
  // The RPC layer delays and retransmits (rpc_delay), it does not sleep on write space: no Send
  // is prepared before the delay ends, whatever wakes the writers sooner (the unget above does at
  // once). After PREP_RETRY_FLAT quick retries the delay doubles while failures persist, so a long
  // failure window costs under a hundred attempts, not one per PREP_RETRY_NS.
  xprt.prepFailuresInARow++;
  const delay =
    xprt.prepFailuresInARow <= PREP_RETRY_FLAT
      ? PREP_RETRY_NS
      : Math.min(xprt.prepRetryDelayNs * 2, PREP_RETRY_MAX_NS);
  xprt.prepRetryDelayNs = delay;
  xprt.prepRetryAtNs = xprt.options.scheduler.now() + delay;
  xprt.options.scheduler.setTimer(delay, () => xprt.events.onWriteSpace(), 'xprtrdma.prep-retry');
  throw new TransportError(
    'EAGAIN',
    `${xprt.label}: Send preparation failed for xid 0x${xid.toString(16)}: ${error.message}`,
    { cause: error },
  );
}
