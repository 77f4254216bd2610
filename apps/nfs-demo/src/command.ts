import type { CliIo } from './io.js';

/** One `rdmalab` subcommand. Commands register themselves in a CommandRegistry; main() dispatches. */
export interface Command {
  readonly name: string;
  /** One line for `rdmalab --help`. */
  readonly summary: string;
  /** Full usage text for `rdmalab NAME --help`. */
  readonly usage: string;
  /** Returns the process exit code: 0 success, 1 the run found a failure, 2 bad usage. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** A usage mistake (unknown flag, bad value): main() prints it with the command's usage, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'EUSAGE';
}
