import {
  chunkListsLength,
  decodeReadList,
  decodeReplyChunk,
  decodeWriteList,
  encodeReadList,
  encodeReplyChunk,
  encodeWriteList,
  type ReadSegment,
  type WriteChunk,
} from './chunks.js';
import { RdmaErrcode, RdmaProc, RPCRDMA_HDR_PREFIX_BYTES, RPCRDMA_VERSION } from './constants.js';
import { HeaderReader, HeaderWriter } from './cursor.js';
import { RpcRdmaHeaderError } from './errors.js';

/** The fixed prefix of every transport header (RFC 8166 §4.2). */
interface HeaderPrefix {
  /** Equal to the xid of the RPC message it carries. */
  readonly xid: number;
  /** Call: credits requested; Reply: credits granted (RFC 8166 §3.3.1). */
  readonly credits: number;
}

/** RDMA_MSG (RPC message inline after the header) or RDMA_NOMSG (RFC 8166 §4.4.1–4.4.2). */
export interface RdmaMsgHeader extends HeaderPrefix {
  readonly proc: typeof RdmaProc.RDMA_MSG | typeof RdmaProc.RDMA_NOMSG;
  /** Read segments in wire order; group with `readChunks`. */
  readonly readList: readonly ReadSegment[];
  readonly writeList: readonly WriteChunk[];
  readonly replyChunk: WriteChunk | null;
}

/** RDMA_ERROR (RFC 8166 §4.4.3). */
export type RdmaErrorHeader = HeaderPrefix &
  (
    | {
        readonly proc: typeof RdmaProc.RDMA_ERROR;
        readonly err: typeof RdmaErrcode.ERR_VERS;
        readonly versLow: number;
        readonly versHigh: number;
      }
    | { readonly proc: typeof RdmaProc.RDMA_ERROR; readonly err: typeof RdmaErrcode.ERR_CHUNK }
  );

export type RpcRdmaHeader = RdmaMsgHeader | RdmaErrorHeader;

export interface DecodedHeader {
  readonly header: RpcRdmaHeader;
  /** Bytes the header took; for RDMA_MSG the RPC message starts here. */
  readonly length: number;
}

/** Encoded size of `header`. */
export function headerLength(header: RpcRdmaHeader): number {
  if (header.proc === RdmaProc.RDMA_ERROR) {
    return RPCRDMA_HDR_PREFIX_BYTES + 4 + (header.err === RdmaErrcode.ERR_VERS ? 8 : 0);
  }
  return RPCRDMA_HDR_PREFIX_BYTES + chunkListsLength(header.readList, header.writeList, header.replyChunk);
}

/** Encode `header` into `out` (e.g. a registered header buffer); returns the bytes written. */
export function encodeHeader(header: RpcRdmaHeader, out: Uint8Array): number {
  const w = new HeaderWriter(out);
  w.u32(header.xid, 'rdma_xid');
  w.u32(RPCRDMA_VERSION, 'rdma_vers');
  w.u32(header.credits, 'rdma_credit');
  w.u32(header.proc, 'rdma_proc');
  if (header.proc === RdmaProc.RDMA_ERROR) {
    w.u32(header.err, 'rdma_err');
    if (header.err === RdmaErrcode.ERR_VERS) {
      w.u32(header.versLow, 'rdma_vers_low');
      w.u32(header.versHigh, 'rdma_vers_high');
    }
    return w.offset;
  }
  encodeReadList(w, header.readList);
  encodeWriteList(w, header.writeList);
  encodeReplyChunk(w, header.replyChunk);
  return w.offset;
}

/** Encode into a fresh array of exactly the header's size. */
export function encodeHeaderBytes(header: RpcRdmaHeader): Uint8Array {
  const out = new Uint8Array(headerLength(header));
  encodeHeader(header, out);
  return out;
}

/**
 * Decode a transport header from the start of `bytes`. Throws RpcRdmaHeaderError naming the field
 * and offset: `ERR_VERS` for a version other than 1 (the error carries the xid so a responder
 * can answer), `ERR_CHUNK` for a malformed chunk list, `EPROTO` for an unknown procedure,
 * `EBADMSG` when the bytes end early.
 */
export function decodeHeader(bytes: Uint8Array): DecodedHeader {
  const r = new HeaderReader(bytes);
  const xid = r.u32('rdma_xid');
  r.xid = xid;
  const versAt = r.offset;
  const vers = r.u32('rdma_vers');
  if (vers !== RPCRDMA_VERSION)
    r.fail('ERR_VERS', 'rdma_vers', `version ${vers} is not supported (only ${RPCRDMA_VERSION})`, versAt);
  const credits = r.u32('rdma_credit');
  const procAt = r.offset;
  const proc = r.u32('rdma_proc');
  switch (proc) {
    case RdmaProc.RDMA_MSG:
    case RdmaProc.RDMA_NOMSG: {
      const readList = decodeReadList(r);
      const writeList = decodeWriteList(r);
      const replyChunk = decodeReplyChunk(r);
      return { header: { xid, credits, proc, readList, writeList, replyChunk }, length: r.offset };
    }
    case RdmaProc.RDMA_ERROR: {
      const errAt = r.offset;
      const err = r.u32('rdma_err');
      if (err === RdmaErrcode.ERR_VERS) {
        const versLow = r.u32('rdma_vers_low');
        const versHigh = r.u32('rdma_vers_high');
        return { header: { xid, credits, proc, err, versLow, versHigh }, length: r.offset };
      }
      if (err === RdmaErrcode.ERR_CHUNK) return { header: { xid, credits, proc, err }, length: r.offset };
      return r.fail('EPROTO', 'rdma_err', `unknown error code ${err}`, errAt);
    }
    default:
      return r.fail(
        'EPROTO',
        'rdma_proc',
        `procedure ${proc} is not RDMA_MSG, RDMA_NOMSG or RDMA_ERROR`,
        procAt,
      );
  }
}

/** True if `error` is one a responder answers with RDMA_ERROR instead of dropping the message. */
export function isAnswerableHeaderError(error: unknown): error is RpcRdmaHeaderError {
  return (
    error instanceof RpcRdmaHeaderError &&
    error.xid !== undefined &&
    (error.code === 'ERR_VERS' ||
      error.code === 'ERR_CHUNK' ||
      error.code === 'EBADMSG' ||
      error.code === 'EPROTO')
  );
}
