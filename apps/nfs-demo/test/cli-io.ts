import type { CliIo } from '../src/io.js';

/** A CliIo that records what a command printed. */
export function captureIo(
  signal: AbortSignal = new AbortController().signal,
): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    interactive: false,
    signal,
    out(text: string) {
      io.stdout += text.endsWith('\n') ? text : `${text}\n`;
    },
    err(text: string) {
      io.stderr += text.endsWith('\n') ? text : `${text}\n`;
    },
  };
  return io;
}
