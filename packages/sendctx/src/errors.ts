/**
 * Codes a ring reports for wrong use. Wrong use never corrupts the ring: the call throws before
 * any index moves.
 * - `EINVAL`: a bad option (size below 2, not an integer), or `unget` of a context that is not
 *   the last one handed out.
 * - `EFOREIGN`: a context (or slot index) that does not belong to this ring.
 * - `ESTALE`: `put` or `unget` of a context that is not outstanding (already retired, or never
 *   handed out).
 * - `E2BIG`: the model checker's state space exceeds its `maxStates` bound.
 */
export type SendctxErrorCode = 'EINVAL' | 'EFOREIGN' | 'ESTALE' | 'E2BIG';

export class SendctxError extends Error {
  override readonly name = 'SendctxError';
  constructor(
    readonly code: SendctxErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Validates a ring size: the ring keeps one slot unused, so fewer than 2 slots hold nothing. */
export function checkRingSize(size: number, field = 'size'): void {
  if (!Number.isInteger(size) || size < 2) {
    throw new SendctxError('EINVAL', `${field} must be an integer >= 2, got ${String(size)}`);
  }
}
