import type { IommuModel } from '@rdmalab/hca-sim';
import { UsageError } from '../command.js';

export const IOMMU_MODELS: readonly IommuModel[] = ['strict', 'passthrough'];

/** A non-negative integer flag (`--seed`, `--start`, `--seeds`), or UsageError naming it. */
export function parseCount(flag: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${flag} must be an integer >= ${min}, got "${value}"`);
  return n;
}

/** `--iommu strict|passthrough`. */
export function parseIommu(value: string | undefined): IommuModel | undefined {
  if (value === undefined) return undefined;
  if (!(IOMMU_MODELS as readonly string[]).includes(value))
    throw new UsageError(`--iommu must be one of ${IOMMU_MODELS.join(', ')}, got "${value}"`);
  return value as IommuModel;
}
