import type { SimHost } from '@rdmalab/hca-sim';
import {
  ChromeTraceSink,
  type TraceEmitOptions,
  type TraceEvent,
  type Tracepoint,
  type TraceSink,
} from '@rdmalab/kernel';

/**
 * A Chrome trace (Perfetto opens it) of one simulation, with a track per QP and per RPC:
 * - `client qp 17`, `server qp 18`: the engine's post_send, wc, ack, nak, retransmit, qp_state;
 * - `rpc 0x10000004`: a span from the RPC's first Send to its reply, with marshal, post_send,
 *   reply and the server's recv/rdma_read/rdma_write/send_reply on the same track;
 * - `client xprtrdma`: Send completions walking the ring, flushes, reconnects, empty ring;
 * - `client dma`: every DMA unmap (where a too-early release shows).
 * QP numbers repeat across hosts, so each host's engine tracepoints are relabelled with the
 * host's name first ({@link labelEngineTracks}).
 */
export class PerfettoTrace implements TraceSink {
  readonly #chrome = new ChromeTraceSink('rdmalab simulation');
  readonly #openRpcs = new Set<number>();

  write(event: TraceEvent): void {
    const f = event.fields as Record<string, unknown>;
    const xid = typeof f.xid === 'number' ? f.xid : undefined;
    if (event.subsystem === 'xprtrdma' || event.subsystem === 'svcrdma') {
      if (xid !== undefined) {
        const track = `rpc 0x${xid.toString(16).padStart(8, '0')}`;
        if (event.subsystem === 'xprtrdma' && event.name === 'marshal' && !this.#openRpcs.has(xid)) {
          this.#openRpcs.add(xid);
          this.#chrome.write({ ...event, name: 'RPC', phase: 'begin', track });
        }
        this.#chrome.write({ ...event, track });
        if (event.subsystem === 'xprtrdma' && event.name === 'reply' && this.#openRpcs.delete(xid))
          this.#chrome.write({ ...event, name: 'RPC', phase: 'end', track });
        return;
      }
      const side = event.subsystem === 'xprtrdma' ? 'client' : 'server';
      this.#chrome.write({ ...event, track: `${side} ${event.subsystem}` });
      return;
    }
    this.#chrome.write(event);
  }

  toString(): string {
    return this.#chrome.toString();
  }
}

/**
 * Emit a `dma:unmap` event for every unmap on `host`'s device (its track: `<host> dma`), so the
 * moment Send memory is released is on the timeline next to the retransmission that reads it.
 */
export function traceUnmaps(
  host: SimHost,
  tp: Tracepoint<{ addr: number; length: number; direction: number }>,
): void {
  const dma = host.device.dma;
  const unmap = dma.unmapPage.bind(dma);
  dma.unmapPage = (addr, length, direction) => {
    tp.emit({ addr, length, direction }, { track: `${host.name} dma` });
    unmap(addr, length, direction);
  };
}

/** The engine's tracepoints of one device (roce EngineStats), by field name. */
const ENGINE_TRACEPOINTS = ['postSend', 'retransmit', 'ack', 'nak', 'rnrNak', 'wc', 'qpState'] as const;

/**
 * Put `host`'s name in front of the track of every engine event its HCA emits (`qp 17` →
 * `client qp 17`): both hosts' devices number their QPs from the same base.
 */
export function labelEngineTracks(host: SimHost): void {
  const stats = host.device.stats;
  for (const key of ENGINE_TRACEPOINTS) {
    const tp = stats[key] as { emit: (fields: never, opts?: TraceEmitOptions) => void } | undefined;
    if (tp === undefined) continue;
    const emit = tp.emit.bind(tp);
    tp.emit = (fields, opts) => emit(fields, { ...opts, track: `${host.name} ${opts?.track ?? 'hca'}` });
  }
}
