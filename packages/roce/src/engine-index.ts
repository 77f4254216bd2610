/** Public API of the RC engine and the soft verbs device. */
export { ENGINE_COUNTERS, EngineStats } from './engine/engine-stats.js';
export type { DmaSource, LocalMemory } from './engine/local-memory.js';
export { PSN_MASK, psnAdd, psnDiff } from './engine/psn.js';
export type { EngineEnv, EngineHooks, RcParams, RecvCompletion } from './engine/rc-context.js';
export { RcEngine } from './engine/rc-engine.js';
export { localAckTimeoutNs, MAX_PKT_PER_ACK, MAX_UNACKED_PSNS } from './engine/rc-limits.js';
export type { PacketLink, PacketRoute, TxProvenance } from './link/packet-link.js';
export { SOFT_DEVICE_DEFAULT_ATTRS } from './softdev/device-attributes.js';
export { IdentityIommu, type Iommu } from './softdev/iommu.js';
export { LOCAL_DMA_LKEY } from './softdev/mr-table.js';
export type { SqRetirement } from './softdev/send-queue-retirement.js';
export { SoftDevice, type SoftDeviceOptions } from './softdev/soft-device.js';
/** QP1, where CM MADs travel; SoftDevice hands these to its GSI handler. */
export { GSI_QPN } from './wire/constants.js';
