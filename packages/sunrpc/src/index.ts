// XDR (RFC 4506)

// Client
export { RpcClient, type RpcClientOptions } from './client/client.js';
export { type CreateRpcClientOptions, createRpcClient } from './client/create.js';
export { SlotTable } from './client/slot-table.js';
export { RPC_REPLY_HEADER_BYTES, type RpcCallOptions, type RpcTaskState } from './client/task.js';
export { DEFAULT_RPC_TIMEOUT, type RpcTimeoutOptions } from './client/timeout.js';
// DI
export { registerSunrpc, type SunrpcOptions } from './register.js';
// ONC RPC messages and auth (RFC 5531)
export {
  AUTH_NONE,
  AuthNone,
  AuthSys,
  type AuthSysParams,
  authSysCredential,
  decodeAuthSysParams,
  decodeOpaqueAuth,
  encodeAuthSysParams,
  encodeOpaqueAuth,
  type OpaqueAuth,
  parseAuthSysBody,
  type RpcAuth,
} from './rpc/auth.js';
export {
  AcceptStat,
  AUTH_SYS_MAX_GIDS,
  AUTH_SYS_MAX_MACHINE_NAME,
  AuthFlavor,
  AuthStat,
  MAX_AUTH_BYTES,
  MsgType,
  RejectStat,
  ReplyStat,
  RPC_VERSION,
} from './rpc/constants.js';
export {
  type MismatchInfo,
  RpcAcceptedError,
  RpcDeniedError,
  RpcError,
  type RpcErrorCode,
  RpcTransportReplyError,
  type TransportReplyErrorCode,
} from './rpc/errors.js';
export {
  type AcceptedReplyHeader,
  type CallHeader,
  type CallHeaderFields,
  type DeniedReplyHeader,
  decodeCallHeader,
  decodeMessageHeader,
  decodeReplyHeader,
  encodeAcceptedReplyHeader,
  encodeCallHeader,
  encodeDeniedReply,
  type ReplyHeader,
  type RpcMessageHeader,
} from './rpc/message.js';
// rpcbind client (RFC 1833)
export { RpcbindClient, type RpcbindClientOptions } from './rpcbind/client.js';
export {
  decodeList,
  decodeMapping,
  decodeRpcb,
  encodeList,
  encodeMapping,
  encodeRpcb,
  formatUniversalAddress,
  IPPROTO_TCP,
  IPPROTO_UDP,
  PMAP_VERSION,
  type PmapMapping,
  PmapProc,
  parseUniversalAddress,
  RPCBIND_PORT,
  RPCBIND_PROGRAM,
  RPCBIND_VERSION_3,
  RPCBIND_VERSION_4,
  type RpcbEntry,
  RpcbProc,
} from './rpcbind/protocol.js';
// Server
export {
  type CallOrigin,
  type DispatchCounters,
  type DispatcherOptions,
  type DispatchOutcome,
  type RpcCall,
  type RpcCredential,
  RpcDispatcher,
  type RpcProcedure,
  type RpcProcedureHandler,
  type RpcProgramVersion,
} from './server/dispatch.js';
export {
  argsChecksum,
  DRC_CHECKSUM_BYTES,
  DRC_MAX_AGE_NS,
  DRC_MAX_ENTRIES,
  hostOf,
  ReplyCache,
  type ReplyCacheCounters,
  type ReplyCacheEntry,
  type ReplyCacheKey,
  type ReplyCacheLookup,
  type ReplyCacheOptions,
} from './server/reply-cache.js';
export { ReplyCacheError, type ReplyCacheErrorCode } from './server/reply-cache-error.js';
export { RpcServer, type RpcServerCounters, type RpcServerOptions } from './server/server.js';
// Statistics
export { RPC_IOSTATS_VERSION, type RpcOpStats, RpcStats } from './stats/rpc-stats.js';
// TCP transport
export { TcpClientTransport } from './tcp/client-transport.js';
export { DEFAULT_TCP_OPTIONS, type TcpTransportOptions } from './tcp/options.js';
export {
  frameRecord,
  LAST_FRAGMENT,
  MAX_FRAGMENT_LENGTH,
  RECORD_MARK_SIZE,
  RecordReader,
  type RecordReaderOptions,
  recordMark,
} from './tcp/record-marking.js';
export { TcpServerTransport } from './tcp/server-transport.js';
export { TcpTransportClass } from './tcp/transport-class.js';
// Transport switch
export {
  type ClientTransport,
  type ClientTransportArgs,
  type ClientTransportEvents,
  type ReceivedCall,
  type ReplyPlacement,
  type RpcRequest,
  type RpcSlot,
  type ServerConnection,
  type ServerTransport,
  type ServerTransportArgs,
  type ServerTransportEvents,
  TRANSPORT_REGISTRY,
  type TransportClass,
  type TransportRegistry,
  type TransportStats,
  XPRT_TRANSPORT_RDMA,
  XPRT_TRANSPORT_TCP,
} from './transport/contract.js';
export { TransportError, type TransportErrorCode } from './transport/errors.js';
export { TransportClassRegistry } from './transport/registry.js';
export { XdrDecoder } from './xdr/decoder.js';
export { XdrEncoder, type XdrEncoderOptions } from './xdr/encoder.js';
export { XdrError, type XdrErrorCode } from './xdr/errors.js';
export { XDRBUF_READ, XDRBUF_WRITE, XdrBuf, type XdrBufInit, type XdrPageRange } from './xdr/xdr-buf.js';
