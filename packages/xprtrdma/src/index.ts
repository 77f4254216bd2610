// ── Protocol: RPC-over-RDMA v1 (RFC 8166) and CM private data (RFC 8797) ──

export { type CallChunkType, type MarshalPlan, planMarshal, type ReplyChunkType } from './client/marshal.js';
export type { RdmaClientOptions } from './client/options.js';
export { locateWriteChunkData } from './client/reply.js';
export { type EndpointSizing, MAX_CHUNKS_PER_RPC, sendWrDepth, sizeEndpoint } from './client/sizing.js';
// ── Client transport ──
export { RdmaClientTransport } from './client/transport.js';
export { RpcRdmaXprt } from './client/xprt.js';
// ── Invariant checks (DESIGN.md §5), reusable by scenarios ──
export {
  checkCompletesOnce,
  checkIntact,
  checkNoDmaFaults,
  checkNoExposures,
  checkNoSendQueueOverflow,
  checkRingQuiescent,
  type DmaFaultLike,
  type ExposureLike,
  watchRequestReuse,
} from './invariants/checks.js';
export { INVARIANT_TITLES, type InvariantId, type Violation } from './invariants/violation.js';
export { PolicyError } from './policies/errors.js';
export {
  type FastregWrapConfiguration,
  fastregWrapConfiguration,
} from './policies/fastreg-wrap-configuration.js';
// ── Policies ──
export { GatherPages } from './policies/inline-pages/gather.js';
export { INLINE_PAGES_POLICY, type InlinePagesPolicy } from './policies/inline-pages/policy.js';
export { PullUpPages } from './policies/inline-pages/pull-up.js';
export {
  type MrPoolPolicy,
  mrsPerRefresh,
  RPCRDMA_MAX_DATA_SEGS,
  RPCRDMA_MAX_HDR_SEGS,
} from './policies/mr-pool/policy.js';
export { LeaveSlot } from './policies/prep-failure/leave-slot.js';
export { PREP_FAILURE_POLICY, type PrepFailurePolicy } from './policies/prep-failure/policy.js';
export { UngetSlot } from './policies/prep-failure/unget.js';
export {
  buildPolicies,
  type PolicySpec,
  PRESETS,
  type PresetName,
  SCENARIO_PRESETS,
  type ScenarioName,
  type SendPathPolicies,
} from './policies/presets.js';
export { ConditionalReference } from './policies/send-lifetime/conditional-reference.js';
export {
  SEND_LIFETIME_POLICY,
  type SendFacts,
  type SendLifetimeDecision,
  type SendLifetimePolicy,
} from './policies/send-lifetime/policy.js';
export { RecycleGated } from './policies/send-lifetime/recycle-gated.js';
export { ReleaseOnReply } from './policies/send-lifetime/release-on-reply.js';
export { TwoOwner } from './policies/send-lifetime/two-owner.js';
export { WaitWhenMapped } from './policies/send-lifetime/wait-when-mapped.js';
export {
  type BatchCounting,
  type BatchFormula,
  BatchSignaling,
  type BatchSignalingOptions,
  computeBatch,
} from './policies/signaling/batch.js';
export { SignalEverySend } from './policies/signaling/every-send.js';
export {
  type SendPost,
  SIGNALING_POLICY,
  type SignalCounter,
  type SignalingPolicy,
  type SignalingSizing,
} from './policies/signaling/policy.js';
export { SEND_PATH_POLICIES } from './policies/tokens.js';
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
// ── DI ──
export { RDMA_TRANSPORT_CLASS, registerXprtrdma, type XprtRdmaOptions } from './register.js';
export { RdmaServerConnection } from './server/connection.js';
export type { RdmaServerOptions } from './server/options.js';
export { SvcRdmaStats } from './server/stats.js';
// ── Server transport ──
export { RdmaServerTransport } from './server/transport.js';
export {
  createClientTracepoints,
  createServerTracepoints,
  type SvcRdmaTracepoints,
  type XprtRdmaTracepoints,
} from './stats/tracepoints.js';
// ── Observability ──
export { XprtRdmaStats } from './stats/xprt-stats.js';
