import { type PolicySpec, PRESETS } from '@rdmalab/xprtrdma';
import type { ScenarioPolicy } from './scenario.js';

/** The words `--policy` accepts: the scenario's pair, then every named preset. */
export const POLICY_WORDS = ['broken', 'fixed', ...Object.keys(PRESETS)] as const;

/** What `--policy NAME` resolved to. */
export interface PolicyChoice {
  readonly name: string;
  readonly label: string;
  readonly spec: PolicySpec;
}

/** A `--policy` value that is neither broken, fixed nor a preset. */
export class UnknownPolicyError extends Error {
  override readonly name = 'UnknownPolicyError';
  readonly code = 'EINVAL';
  constructor(readonly policy: string) {
    super(`unknown policy "${policy}". Valid policies: ${POLICY_WORDS.join(', ')}`);
  }
}

function presetLabel(name: string): string {
  return `preset ${name}`;
}

/** Resolve `broken`/`fixed` against a scenario's pair, or a preset by name. */
export function choosePolicy(
  name: string,
  pair: { readonly broken: ScenarioPolicy; readonly fixed: ScenarioPolicy },
): PolicyChoice {
  if (name === 'broken' || name === 'fixed') return { name, label: pair[name].label, spec: pair[name].spec };
  if (Object.hasOwn(PRESETS, name)) {
    return { name, label: presetLabel(name), spec: PRESETS[name as keyof typeof PRESETS] };
  }
  throw new UnknownPolicyError(name);
}
