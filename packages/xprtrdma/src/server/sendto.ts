import { PAGE_SIZE, type Page } from '@rdmalab/kernel';
import { TransportError, XDRBUF_READ, type XdrBuf } from '@rdmalab/sunrpc';
import {
  DmaDirection,
  SendFlags,
  type SendWr,
  WcStatus,
  type WorkCompletion,
  WrOpcode,
  wcStatusName,
} from '@rdmalab/verbs';
import { chunkLength, type RdmaSegment, type WriteChunk } from '../protocol/chunks.js';
import { type RdmaErrcode, RdmaProc, RPCRDMA_VERSION } from '../protocol/constants.js';
import { encodeHeader, type RpcRdmaHeader } from '../protocol/header.js';
import type { RdmaReceivedCall, RdmaServerConnection } from './connection.js';
import { chunkWrs, type MappedPages, mapPages, unmapPages, writtenSegments } from './rw.js';

/**
 * Send the Reply (svc_rdma_sendto): READ payload goes by RDMA Write into the client's write
 * chunk; the rest inline if it fits, else by RDMA Write into the reply chunk with an RDMA_NOMSG
 * Send; Send With Invalidate when the client allows it. The Writes are chained before the Send
 * and the Send is signaled: the Send Queue completes in order, so its completion means every
 * Write is done and the reply's memory may be reused.
 */
export function sendReply(conn: RdmaServerConnection, call: RdmaReceivedCall, reply: XdrBuf): Promise<void> {
  const { stats, tp, credits, inline } = conn.deps;
  const device = conn.device;
  const lkey = conn.pd.localDmaLkey;
  const maxSge = conn.qp.cap.maxSendSge;
  const wrs: SendWr[] = [];
  const mappings: MappedPages[] = [];
  const release = (): void => {
    for (const m of mappings) unmapPages(device, m);
    conn.releaseCall(call);
  };
  let writeList: WriteChunk[] = [];
  let replyChunk: WriteChunk | null = null;
  let body: Uint8Array;
  try {
    const wchunk = call.header.writeList[0];
    if (wchunk !== undefined && (reply.flags & XDRBUF_READ) !== 0 && reply.pageLen > 0) {
      const capacity = chunkLength(wchunk);
      if (reply.pageLen > capacity) {
        release();
        stats.errChunk++;
        sendError(conn, call.xid, 2);
        return Promise.reject(
          new TransportError(
            'EMSGSIZE',
            `reply payload ${reply.pageLen} exceeds the write chunk (${capacity})`,
          ),
        );
      }
      const first = Math.floor(reply.pageBase / PAGE_SIZE);
      const last = Math.floor((reply.pageBase + reply.pageLen - 1) / PAGE_SIZE);
      const m = mapPages(device, reply.pages.slice(first, last + 1), DmaDirection.TO_DEVICE);
      mappings.push(m);
      wrs.push(
        ...chunkWrs(
          WrOpcode.RDMA_WRITE,
          m,
          reply.pageBase - first * PAGE_SIZE,
          wchunk,
          lkey,
          maxSge,
          reply.pageLen,
        ),
      );
      writeList = [
        writtenSegments(wchunk, reply.pageLen),
        ...call.header.writeList.slice(1).map((c) => writtenSegments(c, 0)),
      ];
      stats.writeChunks++;
      tp.rdmaWrite.emit({ conn: conn.id, xid: call.xid, chunk: 'write', bytes: reply.pageLen });
      // The reduced reply: the payload and its XDR pad are not sent inline (RFC 8166 §3.4.6).
      const pad = (4 - (reply.pageLen & 3)) & 3;
      const tail = reply.tail.subarray(Math.min(pad, reply.tail.length));
      body = new Uint8Array(reply.head.length + tail.length);
      body.set(reply.head, 0);
      body.set(tail, reply.head.length);
    } else {
      writeList = call.header.writeList.map((c) => writtenSegments(c, 0));
      body = reply.toBytes();
    }
  } catch (error) {
    release();
    return Promise.reject(error);
  }
  const baseHeader = { xid: call.xid, credits, readList: [], writeList } as const;
  const inlineHdrLen = 28 + writeList.reduce((n, c) => n + 8 + 16 * c.length, 0);
  let proc: typeof RdmaProc.RDMA_MSG | typeof RdmaProc.RDMA_NOMSG = RdmaProc.RDMA_MSG;
  let bodyPages: MappedPages | null = null;
  if (inlineHdrLen + body.length > inline.inlineSend) {
    const rchunk = call.header.replyChunk;
    if (rchunk === null || chunkLength(rchunk) < body.length) {
      release();
      stats.errChunk++;
      sendError(conn, call.xid, 2);
      return Promise.reject(
        new TransportError(
          'EMSGSIZE',
          `reply of ${body.length} bytes fits neither inline (${inline.inlineSend}) nor a reply chunk`,
        ),
      );
    }
    // Long reply: RDMA Write the whole reply into the reply chunk, then an RDMA_NOMSG Send.
    const pages: Page[] = [];
    for (let at = 0; at < body.length; at += PAGE_SIZE) {
      const p = device.memory.alloc(`${conn.deps.label}:conn${conn.id}:xid${call.xid}:replych`);
      p.bytes.set(body.subarray(at, at + PAGE_SIZE));
      pages.push(p);
    }
    try {
      bodyPages = mapPages(device, pages, DmaDirection.TO_DEVICE);
    } catch (error) {
      for (const p of pages) device.memory.free(p);
      release();
      return Promise.reject(error);
    }
    mappings.push(bodyPages);
    wrs.push(...chunkWrs(WrOpcode.RDMA_WRITE, bodyPages, 0, rchunk, lkey, maxSge, body.length));
    replyChunk = writtenSegments(rchunk, body.length);
    proc = RdmaProc.RDMA_NOMSG;
    stats.replyChunks++;
    tp.rdmaWrite.emit({ conn: conn.id, xid: call.xid, chunk: 'reply', bytes: body.length });
  }
  const header: RpcRdmaHeader = { ...baseHeader, proc, replyChunk };
  const invalidate =
    conn.deps.sendWithInvalidate && conn.deps.inline.peerAcceptsInvalidate ? invalidateRkey(call) : null;
  return new Promise<void>((resolve, reject) => {
    conn.withSendBuffer((sbuf) => {
      if (!conn.open) {
        conn.returnSendBuffer(sbuf);
        release();
        freeBody(conn, bodyPages);
        reject(new TransportError('ENOTCONN', `connection ${conn.id} closed before the reply was sent`));
        return;
      }
      const hdrLen = encodeHeader(header, sbuf.page.bytes);
      let sendLen = hdrLen;
      if (proc === RdmaProc.RDMA_MSG) {
        sbuf.page.bytes.set(body, hdrLen);
        sendLen += body.length;
      }
      device.dma.syncForDevice(sbuf.addr, sendLen, DmaDirection.TO_DEVICE);
      const done = (wc: WorkCompletion): void => {
        conn.returnSendBuffer(sbuf);
        release();
        freeBody(conn, bodyPages);
        if (wc.status === WcStatus.SUCCESS) {
          resolve();
          return;
        }
        if (wc.status !== WcStatus.WR_FLUSH_ERR) conn.fault(`reply Send ${wcStatusName(wc.status)}`);
        reject(
          new TransportError(
            'ECONNRESET',
            `reply to xid 0x${call.xid.toString(16)}: ${wcStatusName(wc.status)}`,
          ),
        );
      };
      const send: SendWr = {
        wrId: call.xid,
        opcode: invalidate === null ? WrOpcode.SEND : WrOpcode.SEND_WITH_INV,
        sgList: [{ addr: sbuf.addr, length: sendLen, lkey }],
        flags: SendFlags.SIGNALED,
        cqe: { done },
        ...(invalidate === null ? {} : { invalidateRkey: invalidate }),
      };
      if (invalidate !== null) stats.sendWithInvalidate++;
      tp.sendReply.emit({ conn: conn.id, xid: call.xid, proc, invalidate, credits });
      try {
        conn.qp.postSend([...wrs, send]);
      } catch (error) {
        conn.returnSendBuffer(sbuf);
        release();
        freeBody(conn, bodyPages);
        conn.fault(`post_send of a reply failed: ${String(error)}`);
        reject(
          new TransportError('ECONNRESET', `reply to xid 0x${call.xid.toString(16)} could not be posted`, {
            cause: error,
          }),
        );
        return;
      }
      stats.sends++;
      stats.bytesSent +=
        sendLen +
        (proc === RdmaProc.RDMA_NOMSG ? body.length : 0) +
        (writeList[0] === undefined ? 0 : chunkLength(writeList[0]));
    });
  });
}

function freeBody(conn: RdmaServerConnection, body: MappedPages | null): void {
  if (body === null) return;
  for (const p of body.pages) conn.device.memory.free(p);
}

/** The rkey to invalidate remotely: the first chunk handle the client offered (svc_rdma_get_inv_rkey). */
function invalidateRkey(call: RdmaReceivedCall): number | null {
  const h = call.header;
  const first: RdmaSegment | undefined = h.readList[0] ?? h.writeList[0]?.[0] ?? h.replyChunk?.[0];
  return first?.handle ?? null;
}

/** Answer with RDMA_ERROR (svc_rdma_send_error_msg); the connection stays up. */
export function sendError(conn: RdmaServerConnection, xid: number, err: RdmaErrcode): void {
  const header: RpcRdmaHeader =
    err === 1
      ? {
          xid,
          credits: conn.deps.credits,
          proc: RdmaProc.RDMA_ERROR,
          err: 1,
          versLow: RPCRDMA_VERSION,
          versHigh: RPCRDMA_VERSION,
        }
      : { xid, credits: conn.deps.credits, proc: RdmaProc.RDMA_ERROR, err: 2 };
  conn.withSendBuffer((sbuf) => {
    if (!conn.open) {
      conn.returnSendBuffer(sbuf);
      return;
    }
    const len = encodeHeader(header, sbuf.page.bytes);
    conn.device.dma.syncForDevice(sbuf.addr, len, DmaDirection.TO_DEVICE);
    try {
      conn.qp.postSend([
        {
          wrId: xid,
          opcode: WrOpcode.SEND,
          sgList: [{ addr: sbuf.addr, length: len, lkey: conn.pd.localDmaLkey }],
          flags: SendFlags.SIGNALED,
          cqe: {
            done: (wc) => {
              conn.returnSendBuffer(sbuf);
              if (wc.status !== WcStatus.SUCCESS && wc.status !== WcStatus.WR_FLUSH_ERR)
                conn.fault(`error Send ${wcStatusName(wc.status)}`);
            },
          },
        },
      ]);
      conn.deps.stats.sends++;
    } catch (error) {
      conn.returnSendBuffer(sbuf);
      conn.fault(`post_send of RDMA_ERROR failed: ${String(error)}`);
    }
  });
}
