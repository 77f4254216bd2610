/**
 * Why a conformance run failed for a reason other than an assertion: `ETIMEDOUT` (the awaited state
 * never came within the backend time allowed), `EOPNOTSUPP` (a case needs a harness capability the
 * backend did not provide and did not declare the case unsupported), `EINVAL` (a malformed backend
 * declaration).
 */
export type ConformanceErrorCode = 'ETIMEDOUT' | 'EOPNOTSUPP' | 'EINVAL';

export class ConformanceError extends Error {
  override readonly name = 'ConformanceError';
  constructor(
    readonly code: ConformanceErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
