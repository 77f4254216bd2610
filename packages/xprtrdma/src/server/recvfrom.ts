import { PAGE_SIZE, type Page } from '@rdmalab/kernel';
import { XDRBUF_WRITE, XdrBuf } from '@rdmalab/sunrpc';
import {
  DmaDirection,
  DmaMappingError,
  SendFlags,
  WcStatus,
  type WorkCompletion,
  WrOpcode,
  wcStatusName,
} from '@rdmalab/verbs';
import { chunkLength, readChunks } from '../protocol/chunks.js';
import { RdmaErrcode, RdmaProc } from '../protocol/constants.js';
import { RpcRdmaHeaderError } from '../protocol/errors.js';
import { decodeHeader, type RdmaMsgHeader } from '../protocol/header.js';
import type { RdmaReceivedCall, RdmaServerConnection, SvcRecvBuffer } from './connection.js';
import { chunkWrs, mapPages, unmapPages } from './rw.js';
import { sendError } from './sendto.js';

/**
 * A Receive completed (svc_rdma_recvfrom): copy the message out and repost the receive at once,
 * so receives stay posted for every credit granted; decode the transport header and answer a
 * malformed one with RDMA_ERROR (the connection survives); pull read chunks with RDMA Read; hand
 * the Call up.
 */
export function handleRecv(conn: RdmaServerConnection, buf: SvcRecvBuffer, wc: WorkCompletion): void {
  if (wc.status !== WcStatus.SUCCESS) {
    if (wc.status !== WcStatus.WR_FLUSH_ERR) conn.fault(`receive ${wcStatusName(wc.status)}`);
    return;
  }
  const { stats, tp } = conn.deps;
  stats.receives++;
  stats.bytesReceived += wc.byteLen;
  conn.device.dma.syncForCpu(buf.addr, wc.byteLen, DmaDirection.FROM_DEVICE);
  const bytes = buf.page.bytes.slice(0, wc.byteLen);
  // Repost before ESTABLISHED too: a Call may overtake the RTU, and its receive is a credit.
  if (conn.receiving) conn.postRecv(buf);

  let header: RdmaMsgHeader;
  let hdrLen: number;
  try {
    const decoded = decodeHeader(bytes);
    if (decoded.header.proc === RdmaProc.RDMA_ERROR) {
      stats.dropped++;
      return;
    }
    header = decoded.header;
    hdrLen = decoded.length;
    checkReadList(header, bytes.length - hdrLen);
  } catch (error) {
    if (!(error instanceof RpcRdmaHeaderError)) throw error;
    answerHeaderError(conn, error);
    return;
  }
  tp.recv.emit({ conn: conn.id, xid: header.xid, proc: header.proc, byteLen: wc.byteLen });
  const inline = bytes.subarray(hdrLen);
  const call: RdmaReceivedCall = {
    connection: conn,
    buf: XdrBuf.fromBytes(inline),
    xid: header.xid,
    header,
    readPages: [],
    done: false,
  };
  conn.whenOpen(
    () => (header.readList.length === 0 ? conn.deps.events.onCall(call) : readChunk(conn, call, inline)),
    () => conn.releaseCall(call),
  );
}

/**
 * Reject read lists this server does not handle with ERR_CHUNK: more than one chunk, a
 * position-zero chunk on RDMA_MSG (or a non-zero one on RDMA_NOMSG), a position past the inline
 * message.
 */
function checkReadList(header: RdmaMsgHeader, inlineLength: number): void {
  const chunks = readChunks(header.readList);
  const nomsg = header.proc === RdmaProc.RDMA_NOMSG;
  if (chunks.length === 0) {
    if (nomsg)
      throw new RpcRdmaHeaderError(
        'ERR_CHUNK',
        'read_list',
        16,
        'RDMA_NOMSG without a position-zero read chunk',
        header.xid,
      );
    return;
  }
  if (chunks.length > 1)
    throw new RpcRdmaHeaderError(
      'ERR_CHUNK',
      'read_list',
      16,
      `${chunks.length} read chunks; one is supported`,
      header.xid,
    );
  const position = chunks[0]!.position;
  if (nomsg !== (position === 0)) {
    throw new RpcRdmaHeaderError(
      'ERR_CHUNK',
      'read_list[0].position',
      20,
      `position ${position} does not fit ${nomsg ? 'RDMA_NOMSG' : 'RDMA_MSG'}`,
      header.xid,
    );
  }
  if (position > inlineLength) {
    throw new RpcRdmaHeaderError(
      'ERR_CHUNK',
      'read_list[0].position',
      20,
      `position ${position} is past the ${inlineLength}-byte inline message`,
      header.xid,
    );
  }
}

function answerHeaderError(conn: RdmaServerConnection, error: RpcRdmaHeaderError): void {
  const { stats, tp } = conn.deps;
  if (error.xid === undefined || error.code === 'EPROTO') {
    stats.dropped++;
    return;
  }
  const err = error.code === 'ERR_VERS' ? RdmaErrcode.ERR_VERS : RdmaErrcode.ERR_CHUNK;
  if (err === RdmaErrcode.ERR_VERS) stats.errVers++;
  else stats.errChunk++;
  tp.sendError.emit({ conn: conn.id, xid: error.xid, err: error.code });
  sendError(conn, error.xid, err);
}

/** RDMA Read the call's read chunk into fresh pages, then hand the rebuilt Call up. */
function readChunk(conn: RdmaServerConnection, call: RdmaReceivedCall, inline: Uint8Array): void {
  const { stats, tp } = conn.deps;
  const chunk = readChunks(call.header.readList)[0]!;
  const length = chunkLength(chunk.segments);
  const device = conn.device;
  const pages: Page[] = [];
  try {
    for (let at = 0; at < Math.max(length, 1); at += PAGE_SIZE)
      pages.push(device.memory.alloc(`${conn.deps.label}:conn${conn.id}:xid${call.xid}:read`));
  } catch {
    for (const p of pages) device.memory.free(p);
    conn.fault('out of memory for a read chunk');
    return;
  }
  call.readPages = pages;
  let mapped: ReturnType<typeof mapPages>;
  try {
    mapped = mapPages(device, pages, DmaDirection.FROM_DEVICE);
  } catch (error) {
    conn.releaseCall(call);
    if (error instanceof DmaMappingError) {
      conn.fault(`read chunk mapping failed: ${error.message}`);
      return;
    }
    throw error;
  }
  const wrs = chunkWrs(
    WrOpcode.RDMA_READ,
    mapped,
    0,
    chunk.segments,
    conn.pd.localDmaLkey,
    conn.qp.cap.maxSendSge,
    length,
  );
  stats.readChunks++;
  tp.rdmaRead.emit({ conn: conn.id, xid: call.xid, segments: chunk.segments.length, bytes: length });
  const done = (wc: WorkCompletion): void => {
    unmapPages(device, mapped);
    if (wc.status !== WcStatus.SUCCESS) {
      // A chunk outside what the client registered: fails this RPC and this connection only.
      conn.releaseCall(call);
      if (wc.status !== WcStatus.WR_FLUSH_ERR)
        conn.fault(`RDMA Read of xid 0x${call.xid.toString(16)}: ${wcStatusName(wc.status)}`);
      return;
    }
    device.dma.syncForCpu(mapped.addrs[0]!, 0, DmaDirection.FROM_DEVICE);
    stats.bytesReceived += length;
    if (chunk.position === 0) {
      const whole = new Uint8Array(length);
      for (let at = 0; at < length; at += PAGE_SIZE)
        whole.set(pages[at / PAGE_SIZE]!.bytes.subarray(0, Math.min(PAGE_SIZE, length - at)), at);
      conn.releaseCall(call);
      (call as { buf: XdrBuf }).buf = XdrBuf.fromBytes(whole);
    } else {
      // The chunk data goes back where it was cut out, followed by its XDR pad (RFC 8166 §3.4.5).
      const pad = (4 - (length & 3)) & 3;
      const rest = inline.subarray(chunk.position);
      const tail = new Uint8Array(pad + rest.length);
      tail.set(rest, pad);
      (call as { buf: XdrBuf }).buf = new XdrBuf({
        head: inline.slice(0, chunk.position),
        pages,
        pageBase: 0,
        pageLen: length,
        tail,
        flags: XDRBUF_WRITE,
      });
    }
    if (conn.open) conn.deps.events.onCall(call);
    else conn.releaseCall(call);
  };
  if (wrs.length === 0) {
    done({
      wrId: 0,
      status: WcStatus.SUCCESS,
      opcode: 2,
      byteLen: 0,
      qpNum: conn.qp.qpNum,
      srcQp: 0,
      wcFlags: 0,
      vendorErr: 0,
    });
    return;
  }
  const last = wrs[wrs.length - 1]!;
  wrs[wrs.length - 1] = { ...last, flags: SendFlags.SIGNALED, cqe: { done } };
  try {
    conn.qp.postSend(wrs);
  } catch (error) {
    unmapPages(device, mapped);
    conn.releaseCall(call);
    conn.fault(`posting RDMA Read failed: ${String(error)}`);
  }
}
