import type { InjectionToken } from 'tsyringe';
import type { Clock } from '../time/clock.js';
import { TraceError, type TraceEvent, type TracePhase, type TraceSink } from './trace-event.js';

export interface TraceEmitOptions {
  track?: string;
  phase?: TracePhase;
  durNs?: number;
}

/** A typed tracepoint, defined once and emitted many times. */
export interface Tracepoint<F> {
  /** Stamp fields with the clock and hand them to every sink; a no-op when no sink is attached. */
  emit(fields: F, opts?: TraceEmitOptions): void;
  readonly enabled: boolean;
}

/**
 * Typed tracepoints fanned out to sinks. With no sink attached `enabled` is false and emit
 * returns at once; callers that build costly fields check `tp.enabled` first.
 */
export class Tracer {
  private sinks: TraceSink[] = [];

  constructor(private readonly clock: Clock) {}

  get enabled(): boolean {
    return this.sinks.length > 0;
  }

  /** Attach a sink; returns a function that detaches it (and calls its close()). */
  addSink(sink: TraceSink): () => void {
    if (sink === null || typeof sink !== 'object' || typeof sink.write !== 'function') {
      throw new TraceError('sink must be an object with a write(event) method');
    }
    // Copy-on-write so a sink added or removed during emit does not disturb that emit.
    this.sinks = [...this.sinks, sink];
    return () => {
      const before = this.sinks.length;
      this.sinks = this.sinks.filter((s) => s !== sink);
      if (this.sinks.length !== before) sink.close?.();
    };
  }

  tracepoint<F extends Record<string, unknown>>(subsystem: string, name: string): Tracepoint<F> {
    if (typeof subsystem !== 'string' || subsystem.length === 0 || typeof name !== 'string' || !name) {
      throw new TraceError(`tracepoint needs a non-empty subsystem and name, got ${subsystem}:${name}`);
    }
    const tracer = this;
    return {
      get enabled() {
        return tracer.sinks.length > 0;
      },
      emit(fields: F, opts?: TraceEmitOptions) {
        const sinks = tracer.sinks;
        if (sinks.length === 0) return;
        const event: TraceEvent = { ts: tracer.clock.now(), subsystem, name, fields };
        if (opts !== undefined) {
          if (opts.phase !== undefined) event.phase = opts.phase;
          if (opts.durNs !== undefined) event.durNs = opts.durNs;
          if (opts.track !== undefined) event.track = opts.track;
        }
        for (const sink of sinks) sink.write(event);
      },
    };
  }
}

/** The stack's tracer (one per simulation, stamped by the shared clock). */
export const TRACER: InjectionToken<Tracer> = Symbol('rdmalab.kernel.Tracer');
