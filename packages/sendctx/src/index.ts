export { type ReleaseHook, RING_EMPTY, type RingEmpty, type SendCtx } from './context.js';
export { SendctxError, type SendctxErrorCode } from './errors.js';
export {
  checkRingModel,
  type RingModelOptions,
  type RingModelResult,
  type RingModelViolation,
} from './model/check.js';
export type { ModelWakeup, RingVariant, ViolationKind } from './model/steps.js';
export { registerSendctx, type SendctxOptions } from './register.js';
export { SENDCTX_COUNTERS, SendctxRing, type SendctxRingOptions } from './ring.js';
export { type RingFactoryOptions, SENDCTX_RING_FACTORY, type SendctxRingFactory } from './ring-factory.js';
export {
  SHARED_RING_EMPTY,
  type SharedRingCounters,
  SharedSendctxRing,
  type SharedSendctxRingOptions,
  type SpaceWaitResult,
} from './shared/shared-ring.js';
export { FlagBitWakeup, type FlagBitWakeupOptions } from './wakeup/flag-bit.js';
export { type RingWakeup, WAKEUP_POLICY, type WakeupPolicy } from './wakeup/policy.js';
export { UnconditionalWakeup } from './wakeup/unconditional.js';
export { WRITE_SPACE, type WriteSpace } from './wakeup/write-space.js';
export { WriteSpaceQueue } from './wakeup/write-space-queue.js';
