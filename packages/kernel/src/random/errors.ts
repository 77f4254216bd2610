export class RandomError extends Error {
  override readonly name = 'RandomError';
  readonly code = 'EINVAL';
  constructor(message: string) {
    super(`EINVAL: ${message}`);
  }
}
