export { type ConformanceCaseName, conformanceCases, isConformanceCaseName } from './case-names.js';
export { type CompletionSummary, summarizeCompletion, wcOpcodeName } from './completion-log.js';
export { ConformanceError, type ConformanceErrorCode } from './errors.js';
export type {
  ConformanceBackend,
  ConformanceFaults,
  ConformanceHarness,
  ConformanceHost,
  ConformanceSide,
  SqRetirement,
} from './harness.js';
export { connectRcPair, type RcEndpoint, type RcPair, type RcPairOptions } from './rc-pair.js';
export { runConformanceCase } from './run-case.js';
export { defineConformanceSuite, type PlannedCase, planConformanceSuite } from './suite.js';
