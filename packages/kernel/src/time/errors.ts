/** Stable codes: EINVAL for a bad time/delay/argument, ELOOP when a run hits its event budget. */
export type SchedulerErrorCode = 'EINVAL' | 'ELOOP';

export class SchedulerError extends Error {
  override readonly name = 'SchedulerError';
  constructor(
    readonly code: SchedulerErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
