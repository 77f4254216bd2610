import type { InjectionToken } from 'tsyringe';
import type { SendPathPolicies } from './presets.js';

/** The bundle a client transport is built with; registerXprtrdma binds it from the preset. */
export const SEND_PATH_POLICIES: InjectionToken<SendPathPolicies> = Symbol(
  'rdmalab.xprtrdma.SendPathPolicies',
);

export { INLINE_PAGES_POLICY } from './inline-pages/policy.js';
export { PREP_FAILURE_POLICY } from './prep-failure/policy.js';
export { SEND_LIFETIME_POLICY } from './send-lifetime/policy.js';
export { SIGNALING_POLICY } from './signaling/policy.js';
