import { traceFieldReplacer } from '../json-value.js';
import type { TraceEvent, TraceSink } from '../trace-event.js';

/**
 * One JSON object per event, passed to `write` with its trailing '\n' so it can go straight to
 * a stream (`new JsonLinesSink((l) => out.write(l))`). bigint fields become strings, bytes hex.
 */
export class JsonLinesSink implements TraceSink {
  constructor(private readonly writeLine: (line: string) => void) {}

  write(event: TraceEvent): void {
    this.writeLine(`${JSON.stringify(event, traceFieldReplacer)}\n`);
  }
}
