import type { SimFabric } from '@rdmalab/hca-sim';

/** A promise did not settle within the virtual time allowed: the stack stalled. */
export class VirtualTimeoutError extends Error {
  override readonly name = 'VirtualTimeoutError';
  readonly code = 'ETIMEDOUT';
}

/**
 * Let virtual time pass until `promise` settles, then return its value (or throw its error).
 * Everything in a simulated stack moves only when the fabric's scheduler steps, so any await on
 * the stack from outside must go through here. ETIMEDOUT after `timeoutNs` of virtual time.
 */
export async function runInVirtualTime<T>(
  fabric: SimFabric,
  promise: Promise<T>,
  what: string,
  timeoutNs = 120_000_000_000,
): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  // The caller awaits `watched` below; until then keep a rejection from counting as unhandled.
  watched.catch(() => {});
  await fabric.settle(() => settled, { timeoutNs });
  if (!settled) {
    throw new VirtualTimeoutError(`${what} did not complete within ${timeoutNs / 1e9} s of virtual time`);
  }
  return watched;
}
