import type { CliIo } from '../io.js';

/**
 * A progress bar on stderr. On a terminal it redraws in place; otherwise it prints a line at each
 * 25% step so logs stay readable. Never writes to stdout, so `--json` output stays clean.
 */
export class ProgressBar {
  #done = 0;
  #lastQuarter = -1;

  constructor(
    private readonly io: CliIo,
    private readonly label: string,
    private readonly total: number,
  ) {}

  tick(by = 1, note = ''): void {
    this.#done = Math.min(this.total, this.#done + by);
    const fraction = this.total === 0 ? 1 : this.#done / this.total;
    if (this.io.interactive) {
      const width = 28;
      const filled = Math.round(fraction * width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      process.stderr.write(
        `\r${this.label} ${bar} ${this.#done}/${this.total} ${note}`.padEnd(100).slice(0, 100),
      );
      return;
    }
    const quarter = Math.floor(fraction * 4);
    if (quarter !== this.#lastQuarter) {
      this.#lastQuarter = quarter;
      this.io.err(`${this.label}: ${this.#done}/${this.total} ${note}`.trimEnd());
    }
  }

  finish(): void {
    if (this.io.interactive) process.stderr.write('\n');
  }
}
