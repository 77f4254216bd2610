import { traceFieldReplacer } from '../json-value.js';
import type { TraceEvent, TracePhase, TraceSink } from '../trace-event.js';

/** Chrome trace event format phases ("Trace Event Format" doc: Duration/Complete/Instant events). */
const PHASE: Record<TracePhase, string> = { instant: 'i', begin: 'B', end: 'E', complete: 'X' };
const PID = 1;
const NS_PER_US = 1000;

export interface ChromeTraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts?: number;
  cat?: string;
  dur?: number;
  s?: string;
  args?: Record<string, unknown>;
}

/**
 * Collects events as Chrome trace event JSON, which Perfetto and chrome://tracing open. Each
 * distinct track (falling back to the subsystem) becomes a thread with a thread_name metadata
 * event, so every QP or RPC gets its own named timeline. Timestamps are µs (fractional).
 * Everything is held in memory until toJSON()/toString().
 */
export class ChromeTraceSink implements TraceSink {
  private readonly tids = new Map<string, number>();
  private readonly traceEvents: ChromeTraceEvent[];

  constructor(processName = 'rdmalab') {
    this.traceEvents = [{ name: 'process_name', ph: 'M', pid: PID, tid: 0, args: { name: processName } }];
  }

  write(event: TraceEvent): void {
    const track = event.track ?? event.subsystem;
    let tid = this.tids.get(track);
    if (tid === undefined) {
      tid = this.tids.size + 1;
      this.tids.set(track, tid);
      this.traceEvents.push({ name: 'thread_name', ph: 'M', pid: PID, tid, args: { name: track } });
    }
    const ph = PHASE[event.phase ?? 'instant'];
    const out: ChromeTraceEvent = {
      name: event.name,
      cat: event.subsystem,
      ph,
      pid: PID,
      tid,
      ts: event.ts / NS_PER_US,
      args: JSON.parse(JSON.stringify(event.fields, traceFieldReplacer)) as Record<string, unknown>,
    };
    if (ph === 'i') out.s = 't';
    if (ph === 'X') out.dur = (event.durNs ?? 0) / NS_PER_US;
    this.traceEvents.push(out);
  }

  toJSON(): { traceEvents: object[]; displayTimeUnit: 'ns' } {
    return { traceEvents: [...this.traceEvents], displayTimeUnit: 'ns' };
  }

  toString(): string {
    return JSON.stringify(this.toJSON());
  }
}
