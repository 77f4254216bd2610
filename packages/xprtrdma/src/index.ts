// ── Protocol: RPC-over-RDMA v1 (RFC 8166) and CM private data (RFC 8797) ──
export {
  chunkLength,
  type RdmaSegment,
  type ReadChunk,
  type ReadSegment,
  readChunks,
  type WriteChunk,
} from './protocol/chunks.js';
export {
  type ConnectPrivate,
  decodeConnectPrivate,
  decodeInlineSize,
  encodeConnectPrivate,
  encodeInlineSize,
  type NegotiatedInline,
  negotiateInline,
  readConnectPrivate,
} from './protocol/connect-private.js';
export * from './protocol/constants.js';
export { type RpcRdmaErrorCode, RpcRdmaHeaderError } from './protocol/errors.js';
export {
  type DecodedHeader,
  decodeHeader,
  encodeHeader,
  encodeHeaderBytes,
  headerLength,
  type RdmaErrorHeader,
  type RdmaMsgHeader,
  type RpcRdmaHeader,
} from './protocol/header.js';
