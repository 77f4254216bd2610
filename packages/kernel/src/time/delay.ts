import { SchedulerError } from './errors.js';

/**
 * Validate a delay or absolute time in ns. Fractional values are rounded up, so a timer never
 * fires before the time asked for; NaN, infinities and negatives are EINVAL.
 */
export function checkTimeNs(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new SchedulerError('EINVAL', `${field} must be a finite number of ns >= 0, got ${String(value)}`);
  }
  const ns = Math.ceil(value);
  if (ns > Number.MAX_SAFE_INTEGER) {
    throw new SchedulerError('EINVAL', `${field} ${ns} ns exceeds 2^53-1 ns`);
  }
  return ns;
}
