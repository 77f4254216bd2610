import type { SimFabric, SimHost } from '@rdmalab/hca-sim';
import { ChromeTraceSink, type TraceEvent, type Tracepoint, type TraceSink } from '@rdmalab/kernel';

/**
 * A Chrome trace (Perfetto opens it) of one simulation, with a track per QP and per RPC:
 * - `client qp 17`, `server qp 18`: the engine's post_send, wc, ack, nak, retransmit, qp_state;
 * - `rpc 0x10000004`: a span from the RPC's first Send to its reply, with marshal, post_send,
 *   reply and the server's recv/rdma_read/rdma_write/send_reply on the same track;
 * - `client xprtrdma`: Send completions walking the ring, flushes, reconnects, empty ring;
 * - `client dma`: every DMA unmap (where a too-early release shows).
 * Tracks of the engine come named `qp N`; the host is found from the tap's records.
 */
export class PerfettoTrace implements TraceSink {
  readonly #chrome = new ChromeTraceSink('rdmalab simulation');
  readonly #openRpcs = new Set<number>();
  readonly #qpHost = new Map<number, string>();
  #scanned = 0;

  constructor(private readonly fabric: SimFabric) {}

  private hostOfQp(qpn: number): string | undefined {
    let host = this.#qpHost.get(qpn);
    const records = this.fabric.tap?.records;
    if (host === undefined && records !== undefined) {
      for (; this.#scanned < records.length; this.#scanned++) {
        const r = records[this.#scanned]!;
        if (!this.#qpHost.has(r.srcQpn)) this.#qpHost.set(r.srcQpn, r.from);
      }
      host = this.#qpHost.get(qpn);
    }
    return host;
  }

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
    if (event.track?.startsWith('qp ')) {
      const qpn = Number(event.track.slice(3));
      const host = this.hostOfQp(qpn);
      this.#chrome.write({ ...event, track: host === undefined ? event.track : `${host} ${event.track}` });
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
