/** Stable codes of simulated-fabric configuration and use errors (errno names). */
export type SimErrorCode = 'EINVAL' | 'EEXIST' | 'ENOENT' | 'EHOSTUNREACH';

/** A bad fabric option, fault rule or host reference. The message names the field at fault. */
export class SimError extends Error {
  override readonly name = 'SimError';
  constructor(
    readonly code: SimErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
