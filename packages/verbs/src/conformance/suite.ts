import { describe, it } from 'vitest';
import { type ConformanceCaseName, isConformanceCaseName } from './case-names.js';
import { allCases } from './cases/all-cases.js';
import { ConformanceError } from './errors.js';
import type { ConformanceBackend } from './harness.js';
import { runCase } from './run-case.js';

/** One registered test: its case, its title, and why it is skipped (undefined = it runs). */
export interface PlannedCase {
  readonly name: ConformanceCaseName;
  readonly title: string;
  readonly skipReason: string | undefined;
}

/**
 * The tests {@link defineConformanceSuite} registers for `backend`, in order. EINVAL when
 * `unsupported` names a case that does not exist or gives an empty reason.
 */
export function planConformanceSuite(backend: ConformanceBackend): PlannedCase[] {
  const unsupported: Readonly<Record<string, string | undefined>> = backend.unsupported ?? {};
  for (const [name, reason] of Object.entries(unsupported)) {
    if (!isConformanceCaseName(name)) {
      throw new ConformanceError('EINVAL', `[${backend.name}] unsupported names unknown case "${name}"`);
    }
    if (typeof reason !== 'string' || reason.trim() === '') {
      throw new ConformanceError('EINVAL', `[${backend.name}] unsupported case "${name}" needs a reason`);
    }
  }
  return allCases.map((c) => {
    const reason = unsupported[c.name];
    const base = `${c.name} — ${c.title}`;
    return {
      name: c.name,
      title: reason === undefined ? base : `${base} [unsupported by ${backend.name}: ${reason}]`,
      skipReason: reason,
    };
  });
}

/**
 * Register the verbs conformance suite for `backend` with vitest: one `describe` named after the
 * backend, one `it` per case, each on a fresh harness; unsupported cases are `it.skip` with the
 * reason in their title. Call it at the top level of a test file.
 */
export function defineConformanceSuite(backend: ConformanceBackend): void {
  const plan = planConformanceSuite(backend);
  describe(`verbs conformance: ${backend.name}`, () => {
    for (const planned of plan) {
      const definition = allCases.find((c) => c.name === planned.name)!;
      const body = () => runCase(backend, definition);
      if (planned.skipReason === undefined) it(planned.title, body);
      else it.skip(planned.title, body);
    }
  });
}
