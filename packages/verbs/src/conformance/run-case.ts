import { CaseContext } from './case-context.js';
import type { ConformanceCaseName } from './case-names.js';
import { allCases } from './cases/all-cases.js';
import type { ConformanceCase } from './conformance-case.js';
import { ConformanceError } from './errors.js';
import type { ConformanceBackend } from './harness.js';

/** Run one case definition on a fresh harness, disposing it whatever happens. */
export async function runCase(backend: ConformanceBackend, definition: ConformanceCase): Promise<void> {
  const harness = await backend.createHarness();
  try {
    if (definition.needsFaults && !harness.faults) {
      throw new ConformanceError(
        'EOPNOTSUPP',
        `[${backend.name}] case "${definition.name}" needs harness.faults (dropAcksFrom, blackhole); ` +
          `provide them or declare "${definition.name}" in unsupported with a reason`,
      );
    }
    await definition.run(new CaseContext(backend, harness));
  } finally {
    await harness.dispose();
  }
}

/**
 * Run the case named `name` against `backend` outside the suite (e.g. one case under a different
 * backend configuration). Rejects with the case's assertion error or a {@link ConformanceError}.
 */
export async function runConformanceCase(
  backend: ConformanceBackend,
  name: ConformanceCaseName,
): Promise<void> {
  const definition = allCases.find((c) => c.name === name);
  if (!definition) throw new ConformanceError('EINVAL', `no conformance case named "${name}"`);
  await runCase(backend, definition);
}
