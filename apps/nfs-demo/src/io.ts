/** Where a command writes. Human text goes to `out`; progress and diagnostics to `err`. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal: progress bars redraw in place only then. */
  readonly interactive: boolean;
  /** Aborted on Ctrl-C; long runs stop and say what completed. */
  readonly signal: AbortSignal;
}

export function processIo(signal: AbortSignal): CliIo {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    interactive: process.stderr.isTTY === true,
    signal,
  };
}
