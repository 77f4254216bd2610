import type { Scheduler } from '@rdmalab/kernel';
import { FlagBitWakeup, UnconditionalWakeup, type WakeupPolicy } from '@rdmalab/sendctx';
import { PolicyError } from './errors.js';
import { GatherPages } from './inline-pages/gather.js';
import type { InlinePagesPolicy } from './inline-pages/policy.js';
import { PullUpPages } from './inline-pages/pull-up.js';
import type { MrPoolPolicy } from './mr-pool/policy.js';
import { LeaveSlot } from './prep-failure/leave-slot.js';
import type { PrepFailurePolicy } from './prep-failure/policy.js';
import { UngetSlot } from './prep-failure/unget.js';
import { ConditionalReference } from './send-lifetime/conditional-reference.js';
import type { SendLifetimePolicy } from './send-lifetime/policy.js';
import { RecycleGated } from './send-lifetime/recycle-gated.js';
import { ReleaseOnReply } from './send-lifetime/release-on-reply.js';
import { TwoOwner } from './send-lifetime/two-owner.js';
import { WaitWhenMapped } from './send-lifetime/wait-when-mapped.js';
import { BatchSignaling, type BatchSignalingOptions } from './signaling/batch.js';
import { SignalEverySend } from './signaling/every-send.js';
import type { SignalingPolicy } from './signaling/policy.js';

/** The five Send-path policies one client transport runs with. */
export interface SendPathPolicies {
  readonly sendLifetime: SendLifetimePolicy;
  readonly signaling: SignalingPolicy;
  /** Empty-ring wake-up, from @rdmalab/sendctx. */
  readonly wakeup: WakeupPolicy;
  readonly prepFailure: PrepFailurePolicy;
  readonly inlinePages: InlinePagesPolicy;
  /** What happens when the MR pool runs dry; absent means `'grow-on-demand'` (the kernel's). */
  readonly mrPool?: MrPoolPolicy;
}

/** A preset as data, so it can be printed, compared and overridden field by field. */
export interface PolicySpec {
  readonly sendLifetime:
    | 'release-on-reply'
    | 'wait-when-mapped'
    | 'conditional-reference'
    | 'recycle-gated'
    | 'two-owner';
  readonly signaling: 'every-send' | BatchSignalingOptions;
  readonly wakeup: 'flag-bit' | 'unconditional';
  readonly prepFailure: 'leave-slot' | 'unget';
  readonly inlinePages: 'gather' | 'pull-up';
  /** MR pool behaviour (see MrPoolPolicy); absent means `'grow-on-demand'`. */
  readonly mrPool?: MrPoolPolicy;
}

/** Kernel-era and other-ULP combinations. */
export const PRESETS = {
  /** Before the seed: no ring, release on reply, the max_send_wr/2 − 1 countdown. */
  'linux-4.14': {
    sendLifetime: 'release-on-reply',
    signaling: { formula: 'linux-4.14', counting: 'sends' },
    wakeup: 'unconditional',
    prepFailure: 'leave-slot',
    inlinePages: 'gather',
    mrPool: 'grow-on-demand',
  },
  /** The seed (2017): ring, wait when pages were mapped, batch min(7, m/4), flag-bit wake-up. */
  'linux-4.15': {
    sendLifetime: 'wait-when-mapped',
    signaling: { formula: 'linux-4.15', counting: 'sends' },
    wakeup: 'flag-bit',
    prepFailure: 'leave-slot',
    inlinePages: 'gather',
    mrPool: 'grow-on-demand',
  },
  /** 5.3: request refcount, batch m/8, the 2019 wake-up fix. */
  'linux-5.3': {
    sendLifetime: 'conditional-reference',
    signaling: { formula: 'linux-5.3', counting: 'sends' },
    wakeup: 'unconditional',
    prepFailure: 'leave-slot',
    inlinePages: 'gather',
    mrPool: 'grow-on-demand',
  },
  /** 5.13: FastReg WRs counted, with 5.13's reset arithmetic; pull-up of small page lists (5.8). */
  'linux-5.13': {
    sendLifetime: 'conditional-reference',
    signaling: { formula: 'linux-5.3', counting: 'wrs-5.13-reset' },
    wakeup: 'unconditional',
    prepFailure: 'leave-slot',
    inlinePages: 'pull-up',
    mrPool: 'grow-on-demand',
  },
  /** 7.2 (2026): recycling gated on Send completion, sendctx unget after a failed preparation. */
  'linux-7.2': {
    sendLifetime: 'recycle-gated',
    signaling: { formula: 'linux-5.3', counting: 'wrs' },
    wakeup: 'unconditional',
    prepFailure: 'unget',
    inlinePages: 'pull-up',
    mrPool: 'grow-on-demand',
  },
  /** nvme-rdma since 2019: every Send signaled, two-owner completion. */
  'nvme-rdma': {
    sendLifetime: 'two-owner',
    signaling: 'every-send',
    wakeup: 'unconditional',
    prepFailure: 'unget',
    inlinePages: 'gather',
    mrPool: 'fixed',
  },
} as const satisfies Record<string, PolicySpec>;
export type PresetName = keyof typeof PRESETS;

const FIXED = PRESETS['linux-7.2'];

/** For each scenario of DESIGN.md §6: the policy combination that fails and the one that fixes it. */
export const SCENARIO_PRESETS = {
  'delayed-send-completion': {
    broken: PRESETS['linux-4.14'],
    fixed: { ...FIXED, inlinePages: 'gather' },
  },
  'sendctx-exhaustion': { broken: PRESETS['linux-4.14'], fixed: FIXED },
  'empty-ring-wakeup-race': { broken: { ...FIXED, wakeup: 'flag-bit' }, fixed: FIXED },
  // The pre-ring transport, where the countdown is the only bound on unsignaled WRs (see
  // fastregWrapConfiguration): counting Sends only vs counting every WR (the 2021 fix). With the
  // sendctx ring the Send Queue cannot wrap under either counting (BatchSignaling's doc comment).
  'fastreg-sq-wrap': {
    broken: PRESETS['linux-4.14'],
    fixed: { ...PRESETS['linux-4.14'], signaling: { formula: 'linux-4.14', counting: 'wrs' } },
  },
  'inline-buffer-recycle': { broken: { ...PRESETS['linux-5.13'], signaling: FIXED.signaling }, fixed: FIXED },
  // Gathered pages, so that Send preparation DMA-maps (and can fail) after taking a context.
  'prep-failure-slot-leak': {
    broken: { ...FIXED, prepFailure: 'leave-slot', inlinePages: 'gather' },
    fixed: { ...FIXED, inlinePages: 'gather' },
  },
} as const satisfies Record<string, { broken: PolicySpec; fixed: PolicySpec }>;
export type ScenarioName = keyof typeof SCENARIO_PRESETS;

/** Build the policy objects a spec names. The flag-bit wake-up needs the stack's scheduler. */
export function buildPolicies(
  spec: PolicySpec,
  scheduler: Scheduler,
  options: { flagBitSleepAfterNs?: number } = {},
): SendPathPolicies {
  return {
    sendLifetime: buildSendLifetime(spec.sendLifetime),
    signaling: spec.signaling === 'every-send' ? new SignalEverySend() : new BatchSignaling(spec.signaling),
    wakeup:
      spec.wakeup === 'flag-bit'
        ? new FlagBitWakeup({ scheduler, sleepAfterNs: options.flagBitSleepAfterNs ?? 0 })
        : spec.wakeup === 'unconditional'
          ? new UnconditionalWakeup()
          : invalid('wakeup', spec.wakeup),
    prepFailure:
      spec.prepFailure === 'unget'
        ? new UngetSlot()
        : spec.prepFailure === 'leave-slot'
          ? new LeaveSlot()
          : invalid('prepFailure', spec.prepFailure),
    inlinePages:
      spec.inlinePages === 'pull-up'
        ? new PullUpPages()
        : spec.inlinePages === 'gather'
          ? new GatherPages()
          : invalid('inlinePages', spec.inlinePages),
    mrPool:
      spec.mrPool === undefined || spec.mrPool === 'grow-on-demand' || spec.mrPool === 'fixed'
        ? (spec.mrPool ?? 'grow-on-demand')
        : invalid('mrPool', spec.mrPool),
  };
}

function buildSendLifetime(name: PolicySpec['sendLifetime']): SendLifetimePolicy {
  switch (name) {
    case 'release-on-reply':
      return new ReleaseOnReply();
    case 'wait-when-mapped':
      return new WaitWhenMapped();
    case 'conditional-reference':
      return new ConditionalReference();
    case 'recycle-gated':
      return new RecycleGated();
    case 'two-owner':
      return new TwoOwner();
    default:
      return invalid('sendLifetime', name);
  }
}

function invalid(field: string, value: unknown): never {
  throw new PolicyError(`${field}: unknown policy ${JSON.stringify(value)}`);
}
