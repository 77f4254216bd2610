export { SimError, type SimErrorCode } from './errors.js';
export { DEFAULT_LINK, type LinkOptions } from './fabric/link-options.js';
export { macForIp } from './fabric/mac-address.js';
export type { FabricStats, SimFabricOptions, SimHostOptions } from './fabric/sim-fabric.js';
export { SimFabric } from './fabric/sim-fabric.js';
export type { HcaProcessingDelay, IommuModel, SimHost, SqRetirement } from './fabric/sim-host.js';
export { type FaultDecision, FaultInjector, type RuleStats } from './fault/fault-injector.js';
export type {
  AckLoss,
  DmaMapFailure,
  FaultAction,
  FaultPlan,
  FaultRule,
  PacketMatch,
  Partition,
  ProcessingDelay,
} from './fault/fault-plan.js';
export { classifyPacket, PACKET_CLASSES, type PacketClass } from './fault/packet-class.js';
export type { TimeWindow } from './fault/time-window.js';
export type { DmaFault, DmaFaultReason } from './iommu/dma-fault.js';
export { MapFailureInjector, type MapFailureRule } from './iommu/map-failure-injector.js';
export { PassthroughIommu, type PassthroughIommuOptions } from './iommu/passthrough-iommu.js';
export { STRICT_IOVA_BASE, StrictIommu, type StrictIommuOptions } from './iommu/strict-iommu.js';
export { SIM_PROVIDER_NAME, SimDeviceProvider, type SimProviderHostOptions } from './provider.js';
export {
  createSimHostContainer,
  type HcaSimOptions,
  registerHcaSim,
  SIM_FABRIC,
  SIM_HOST,
} from './register.js';
export type { Exposure, GatherSource } from './tap/exposure-tracker.js';
export type { DmaFaultRecord, PacketFate, TapRecord } from './tap/tap-record.js';
export { type CapturedFrame, WireTap, type WireTapOptions } from './tap/wire-tap.js';
