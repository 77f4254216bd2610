export class KrefError extends Error {
  override readonly name = 'KrefError';
  readonly code = 'EINVAL';
  constructor(message: string) {
    super(`EINVAL: ${message}`);
  }
}

/** Like struct kref: a count that calls release exactly once, when the last reference is put. */
export class Kref {
  private refs: number;

  constructor(
    private readonly release: () => void,
    initial = 1,
  ) {
    if (!Number.isInteger(initial) || initial < 1) {
      throw new KrefError(`initial count must be an integer >= 1, got ${initial}`);
    }
    this.refs = initial;
  }

  get count(): number {
    return this.refs;
  }

  /** Take a reference; KrefError if the object was already released (use after free). */
  get(): void {
    if (this.refs === 0) throw new KrefError('kref get after release (count is 0)');
    this.refs++;
  }

  /** Drop a reference; true if this put released the object. */
  put(): boolean {
    if (this.refs === 0) throw new KrefError('kref put after release (count is 0)');
    if (--this.refs > 0) return false;
    this.release();
    return true;
  }
}
