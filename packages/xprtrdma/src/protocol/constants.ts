/**
 * RPC-over-RDMA version 1 protocol numbers (RFC 8166) and the CM private data of RFC 8797.
 * Values match Linux include/linux/sunrpc/rpc_rdma.h.
 */

/** rdma_vers: the only version this transport speaks (RFC 8166 §4.2.2). */
export const RPCRDMA_VERSION = 1;

/** enum rdma_proc (RFC 8166 §4.2.4). */
export const RdmaProc = {
  /** An RPC message follows the transport header inline (RFC 8166 §4.4.1). */
  RDMA_MSG: 0,
  /** No inline RPC message: it travels in a position-zero read chunk or the reply chunk (§4.4.2). */
  RDMA_NOMSG: 1,
  /** Padded message; removed by RFC 8166 (§4.4.4), rejected here. */
  RDMA_MSGP: 2,
  /** Chunk release; removed by RFC 8166 (§4.4.4), rejected here. */
  RDMA_DONE: 3,
  /** The responder could not parse the header (§4.4.3). */
  RDMA_ERROR: 4,
} as const;
export type RdmaProc = (typeof RdmaProc)[keyof typeof RdmaProc];

/** enum rpcrdma_errcode (RFC 8166 §4.4.3). */
export const RdmaErrcode = {
  /** The version in the header is not supported; the body carries the supported range. */
  ERR_VERS: 1,
  /** A chunk list could not be parsed or used. */
  ERR_CHUNK: 2,
} as const;
export type RdmaErrcode = (typeof RdmaErrcode)[keyof typeof RdmaErrcode];

/** Bytes of the fixed prefix: xid, vers, credit, proc (RFC 8166 §4.2). */
export const RPCRDMA_HDR_PREFIX_BYTES = 16;
/** Smallest RDMA_MSG/NOMSG header: prefix + three empty chunk lists (rpc_rdma.h RPCRDMA_HDRLEN_MIN). */
export const RPCRDMA_HDRLEN_MIN = 28;
/** Smallest RDMA_ERROR header: prefix + errcode (RPCRDMA_HDRLEN_ERR). */
export const RPCRDMA_HDRLEN_ERR = 20;
/** struct xdr_rdma_segment: handle, length, 64-bit offset (RFC 8166 §4.3). */
export const RDMA_SEGMENT_BYTES = 16;
/** struct xdr_read_chunk: position + segment (RFC 8166 §4.3.1). */
export const READ_SEGMENT_BYTES = 20;

/** struct rpcrdma_connect_private cp_magic (RFC 8797 §4.1; rpc_rdma.h rpcrdma_cmp_magic). */
export const RPCRDMA_CMP_MAGIC = 0xf6ab0e18;
/** cp_version: the private data format version (RFC 8797 §4.1). */
export const RPCRDMA_CMP_VERSION = 1;
/** cp_flags bit: the sender may be sent Send With Invalidate (RFC 8797 §4.1, RPCRDMA_CMP_F_SND_W_INV_OK). */
export const RPCRDMA_CMP_F_SND_W_INV_OK = 1 << 0;
/** Size of struct rpcrdma_connect_private on the wire. */
export const RPCRDMA_CMP_BYTES = 8;
/** Largest inline size the one-byte code can express: (255 + 1) KiB. */
export const RPCRDMA_CMP_MAX_INLINE = 256 * 1024;

/** Inline threshold assumed when the peer sends no private data (RFC 8166 §3.3.2; RPCRDMA_V1_DEF_INLINE_SIZE). */
export const RPCRDMA_V1_DEF_INLINE_SIZE = 1024;
/** Inline threshold this implementation offers by default (svcrdma RPCRDMA_DEF_INLINE_THRESH). */
export const RPCRDMA_DEF_INLINE_THRESH = 4096;
/** Largest inline threshold accepted (svcrdma RPCRDMA_MAX_INLINE_THRESH). */
export const RPCRDMA_MAX_INLINE_THRESH = 65536;
/** The rdma_cm service port of NFS/RDMA (RFC 8267 §5, netid "rdma"). */
export const NFS_RDMA_PORT = 20049;
/** Default request limit of the client (RPCRDMA_DEF_SLOT_TABLE). */
export const RPCRDMA_DEF_SLOT_TABLE = 128;
/** Backchannel Send slots the ring reserves beyond the request limit (RPCRDMA_BACKWARD_WRS / 2 in 4.15). */
export const RPCRDMA_BACKWARD_SENDS = 2;
