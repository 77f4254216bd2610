/** Stable codes of {@link ReplyCacheError}. */
export type ReplyCacheErrorCode = 'EINVAL';

/** A duplicate request cache was configured with a value it cannot use. */
export class ReplyCacheError extends Error {
  override readonly name = 'ReplyCacheError';

  constructor(
    readonly code: ReplyCacheErrorCode,
    message: string,
  ) {
    super(message);
  }
}
