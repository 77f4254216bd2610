export { type ConformanceCaseName, conformanceCases, isConformanceCaseName } from './case-names.js';
export { ConformanceError, type ConformanceErrorCode } from './errors.js';
export type {
  ConformanceBackend,
  ConformanceFaults,
  ConformanceHarness,
  ConformanceHost,
  ConformanceSide,
  SqRetirement,
} from './harness.js';
