import type { CaseContext } from './case-context.js';
import type { ConformanceCaseName } from './case-names.js';

/** One case: a name from {@link conformanceCases}, what it proves, and the scenario. */
export interface ConformanceCase {
  readonly name: ConformanceCaseName;
  /** What the case proves; the test title is `name — title`. */
  readonly title: string;
  /** The case drives `harness.faults`; without them it fails unless declared unsupported. */
  readonly needsFaults?: boolean;
  run(ctx: CaseContext): Promise<void>;
}

/** A case as its file defines it; the name is the key it is filed under. */
export type CaseBody = Omit<ConformanceCase, 'name'>;
export type CaseBodies = Partial<Record<ConformanceCaseName, CaseBody>>;
