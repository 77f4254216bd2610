import {
  RPCRDMA_CMP_BYTES,
  RPCRDMA_CMP_F_SND_W_INV_OK,
  RPCRDMA_CMP_MAGIC,
  RPCRDMA_CMP_MAX_INLINE,
  RPCRDMA_CMP_VERSION,
  RPCRDMA_V1_DEF_INLINE_SIZE,
} from './constants.js';
import { RpcRdmaHeaderError } from './errors.js';

/** struct rpcrdma_connect_private (RFC 8797 §4.1), in bytes rather than size codes. */
export interface ConnectPrivate {
  /** The sender accepts Send With Invalidate (cp_flags bit 0). */
  readonly sendWithInvalidateOk: boolean;
  /** Largest message the sender will Send inline (cp_send_size). */
  readonly inlineSend: number;
  /** Largest message the sender can Receive inline (cp_recv_size). */
  readonly inlineRecv: number;
}

/** Size code of RFC 8797 §4.2: (bytes / 1024) − 1, in one byte. */
export function encodeInlineSize(bytes: number, field = 'inline size'): number {
  if (!Number.isInteger(bytes) || bytes < 1024 || bytes > RPCRDMA_CMP_MAX_INLINE) {
    throw new RpcRdmaHeaderError(
      'EINVAL',
      field,
      0,
      `${bytes} is not an integer in [1024, ${RPCRDMA_CMP_MAX_INLINE}]`,
    );
  }
  return (bytes >> 10) - 1;
}

export function decodeInlineSize(code: number): number {
  return (code + 1) << 10;
}

/** The 8 bytes a peer puts in its CM REQ (client) or REP (server) private data. */
export function encodeConnectPrivate(cp: ConnectPrivate): Uint8Array {
  const out = new Uint8Array(RPCRDMA_CMP_BYTES);
  const v = new DataView(out.buffer);
  v.setUint32(0, RPCRDMA_CMP_MAGIC);
  out[4] = RPCRDMA_CMP_VERSION;
  out[5] = cp.sendWithInvalidateOk ? RPCRDMA_CMP_F_SND_W_INV_OK : 0;
  out[6] = encodeInlineSize(cp.inlineSend, 'cp_send_size');
  out[7] = encodeInlineSize(cp.inlineRecv, 'cp_recv_size');
  return out;
}

/**
 * Parse a peer's private data. CM private data is zero-padded to the MAD's field size, so only
 * the first 8 bytes are read. Throws RpcRdmaHeaderError `EINVAL` naming the field when the data
 * is too short, the magic differs or the version is unknown; {@link readConnectPrivate} turns
 * that into "absent", as the kernel does.
 */
export function decodeConnectPrivate(bytes: Uint8Array): ConnectPrivate {
  if (bytes.length < RPCRDMA_CMP_BYTES) {
    throw new RpcRdmaHeaderError(
      'EINVAL',
      'rpcrdma_connect_private',
      0,
      `${bytes.length} bytes, needs ${RPCRDMA_CMP_BYTES}`,
    );
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, RPCRDMA_CMP_BYTES);
  const magic = v.getUint32(0);
  if (magic !== RPCRDMA_CMP_MAGIC) {
    throw new RpcRdmaHeaderError(
      'EINVAL',
      'cp_magic',
      0,
      `0x${magic.toString(16)} is not 0x${RPCRDMA_CMP_MAGIC.toString(16)}`,
    );
  }
  if (bytes[4] !== RPCRDMA_CMP_VERSION) {
    throw new RpcRdmaHeaderError(
      'EINVAL',
      'cp_version',
      4,
      `version ${bytes[4]} is not ${RPCRDMA_CMP_VERSION}`,
    );
  }
  return {
    sendWithInvalidateOk: (bytes[5]! & RPCRDMA_CMP_F_SND_W_INV_OK) !== 0,
    inlineSend: decodeInlineSize(bytes[6]!),
    inlineRecv: decodeInlineSize(bytes[7]!),
  };
}

/** The peer's private data, or undefined when there is none we understand (then 1024 applies). */
export function readConnectPrivate(bytes: Uint8Array | undefined): ConnectPrivate | undefined {
  if (bytes === undefined) return undefined;
  try {
    return decodeConnectPrivate(bytes);
  } catch (error) {
    if (error instanceof RpcRdmaHeaderError) return undefined;
    throw error;
  }
}

/** What both sides settle on after the CM exchange. */
export interface NegotiatedInline {
  /** Largest RPC-over-RDMA message this side may Send inline. */
  readonly inlineSend: number;
  /** Largest message this side must be able to Receive inline. */
  readonly inlineRecv: number;
  /** The peer accepts Send With Invalidate. */
  readonly peerAcceptsInvalidate: boolean;
}

/**
 * Inline threshold negotiation (RFC 8797 §4.2; Linux rpcrdma_update_cm_private): each direction
 * is the smaller of what this side offers and what the peer can take; a peer that sent no
 * private data is assumed to take 1024 bytes each way (RFC 8166 §3.3.2).
 */
export function negotiateInline(
  own: { inlineSend: number; inlineRecv: number },
  peer: ConnectPrivate | undefined,
): NegotiatedInline {
  const peerRecv = peer?.inlineRecv ?? RPCRDMA_V1_DEF_INLINE_SIZE;
  const peerSend = peer?.inlineSend ?? RPCRDMA_V1_DEF_INLINE_SIZE;
  return {
    inlineSend: Math.min(own.inlineSend, peerRecv),
    inlineRecv: Math.min(own.inlineRecv, peerSend),
    peerAcceptsInvalidate: peer?.sendWithInvalidateOk ?? false,
  };
}
