import { SimError } from '../errors.js';

/** A half-open window of virtual time [startNs, endNs). An omitted bound is open. */
export interface TimeWindow {
  startNs?: number;
  endNs?: number;
}

export function inWindow(window: TimeWindow | undefined, nowNs: number): boolean {
  if (!window) return true;
  if (window.startNs !== undefined && nowNs < window.startNs) return false;
  if (window.endNs !== undefined && nowNs >= window.endNs) return false;
  return true;
}

export function checkWindow(field: string, window: TimeWindow | undefined): void {
  if (!window) return;
  const { startNs, endNs } = window;
  for (const [name, value] of [
    ['startNs', startNs],
    ['endNs', endNs],
  ] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new SimError('EINVAL', `${field}.${name} must be a non-negative number of ns, got ${value}`);
    }
  }
  if (startNs !== undefined && endNs !== undefined && endNs < startNs) {
    throw new SimError('EINVAL', `${field}: endNs ${endNs} is before startNs ${startNs}`);
  }
}

export function checkProbability(field: string, p: number | undefined): void {
  if (p === undefined) return;
  if (!Number.isFinite(p) || p < 0 || p > 1) {
    throw new SimError('EINVAL', `${field} must be within 0..1, got ${p}`);
  }
}

export function checkCount(field: string, n: number | undefined, min: number): void {
  if (n === undefined) return;
  if (!Number.isInteger(n) || n < min) {
    throw new SimError('EINVAL', `${field} must be an integer >= ${min}, got ${n}`);
  }
}
