/** Span phases map to Chrome trace ph 'i' / 'B' / 'E' / 'X'. */
export type TracePhase = 'instant' | 'begin' | 'end' | 'complete';

/** One emitted tracepoint. */
export interface TraceEvent<F = Record<string, unknown>> {
  /** Clock time in ns when emitted. */
  ts: number;
  subsystem: string;
  name: string;
  fields: F;
  phase?: TracePhase;
  /** Span length for phase 'complete'. */
  durNs?: number;
  /** Timeline the event belongs to, e.g. 'host-a/qp 17' or 'rpc 0x1234' (Chrome thread name). */
  track?: string;
}

/** Where trace events go. Sinks are called synchronously, in the order they were added. */
export interface TraceSink {
  write(event: TraceEvent): void;
  close?(): void;
}

export class TraceError extends Error {
  override readonly name = 'TraceError';
  readonly code = 'EINVAL';
  constructor(message: string) {
    super(`EINVAL: ${message}`);
  }
}
