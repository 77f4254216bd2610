/** A policy name or option that does not exist. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly code = 'EINVAL';
  constructor(message: string) {
    super(`EINVAL: ${message}`);
  }
}
