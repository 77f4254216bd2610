export { CmEventType, cmEventName } from './cm/cm-event.js';
export type {
  CmAddress,
  CmEvent,
  CmEventHandler,
  CmId,
  ConnectionManager,
  ConnParams,
} from './cm/connection-manager.js';
export type { CompletionQueue, CqMode, CreateCqOptions } from './completion-queue.js';
export { AccessFlags } from './constants/access-flags.js';
export { AsyncEventType } from './constants/async-event.js';
export { Mtu, mtuBytes, mtuFromBytes } from './constants/mtu.js';
export { QpState, qpStateName } from './constants/qp-state.js';
export { SendFlags } from './constants/send-flags.js';
export { WcFlags, WcOpcode } from './constants/wc-opcode.js';
export { WcStatus, wcStatusName } from './constants/wc-status.js';
export { WrOpcode, wrOpcodeName } from './constants/wr-opcode.js';
export type { AsyncEvent, Device, DeviceAttributes, ProtectionDomain } from './device.js';
export { type DmaAddress, DmaDirection, type DmaOps } from './dma.js';
export { DmaMappingError, VerbsError, type VerbsErrorCode } from './errors.js';
export type { FastRegMr, FastRegState, MemoryRegion, RegisterMrOptions } from './memory-region.js';
export {
  type DeviceProvider,
  DeviceProviderRegistry,
  type ProviderRegistry,
  type VerbsHost,
} from './provider-registry.js';
export { checkQpTransition } from './qp-transitions.js';
export type {
  AddressVector,
  CreateQpOptions,
  QpAttributes,
  QpCapabilities,
  QueuePair,
} from './queue-pair.js';
export { registerVerbs } from './register.js';
export { CONNECTION_MANAGER, PROVIDER_REGISTRY, RDMA_DEVICE, VERBS_HOST } from './tokens.js';
export type { WorkCompletion } from './work-completion.js';
export type { CompletionHandler, RecvWr, SendWr, Sge } from './work-request.js';
