import { Tracer } from '@rdmalab/kernel';
import {
  type ServerTransport,
  type ServerTransportEvents,
  TransportError,
  type TransportStats,
} from '@rdmalab/sunrpc';
import { type CmEvent, CmEventType, type CmId } from '@rdmalab/verbs';
import { encodeConnectPrivate, negotiateInline, readConnectPrivate } from '../protocol/connect-private.js';
import { RPCRDMA_DEF_INLINE_THRESH } from '../protocol/constants.js';
import { createServerTracepoints, type SvcRdmaTracepoints } from '../stats/tracepoints.js';
import { RdmaServerConnection } from './connection.js';
import type { RdmaServerOptions } from './options.js';
import { SvcRdmaStats } from './stats.js';

const DEFAULT_CREDITS = 32;
/** Virtual ns between a connection's disconnect and freeing its memory: flushed completions run first. */
const DESTROY_AFTER_NS = 1_000_000;

/**
 * The "rdma" server transport (the svcrdma side): listen through the CM, accept with our CM
 * private data, and run one RdmaServerConnection per client.
 */
export class RdmaServerTransport implements ServerTransport {
  readonly transportName = 'rdma';
  readonly stats_ = new SvcRdmaStats();
  readonly tp: SvcRdmaTracepoints;
  readonly connections = new Map<number, RdmaServerConnection>();
  private listener: CmId | null = null;
  private nextId = 1;
  private readonly credits: number;
  private readonly inlineOffer: { inlineSend: number; inlineRecv: number };
  private readonly label: string;

  constructor(readonly options: RdmaServerOptions) {
    this.credits = options.credits ?? DEFAULT_CREDITS;
    if (!Number.isInteger(this.credits) || this.credits < 1 || this.credits > 255) {
      throw new TransportError(
        'EINVAL',
        `options.credits must be an integer in [1, 255], got ${this.credits}`,
      );
    }
    this.inlineOffer = {
      inlineSend: options.inlineSend ?? RPCRDMA_DEF_INLINE_THRESH,
      inlineRecv: options.inlineRecv ?? RPCRDMA_DEF_INLINE_THRESH,
    };
    for (const [k, v] of Object.entries(this.inlineOffer)) {
      if (!Number.isInteger(v) || v < 1024 || v > 4096)
        throw new TransportError('EINVAL', `options.${k} must be an integer in [1024, 4096], got ${v}`);
    }
    this.label = options.label ?? 'svcrdma';
    this.tp = createServerTracepoints(options.tracer ?? new Tracer(options.scheduler));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  listen(events: ServerTransportEvents): Promise<{ host: string; port: number }> {
    if (this.listener !== null)
      return Promise.reject(new TransportError('EINVAL', `${this.label}: already listening`));
    const { host, port } = this.options;
    try {
      const id = this.options.cm.createId((event) => this.onListenerEvent(event, events));
      id.bind({ ip: host, port });
      id.listen();
      this.listener = id;
      const bound = id.local ?? { ip: host, port };
      return Promise.resolve({ host: bound.ip, port: bound.port });
    } catch (error) {
      return Promise.reject(
        new TransportError(
          'EADDRINUSE',
          `${this.label}: cannot listen on ${host}:${port}: ${String(error)}`,
          { cause: error },
        ),
      );
    }
  }

  /** Ids the listener accepted: the CM delivers their events to the listener's handler. */
  private readonly byId = new Map<CmId, (event: CmEvent) => void>();

  private onListenerEvent(event: CmEvent, events: ServerTransportEvents): void {
    if (event.type !== CmEventType.CONNECT_REQUEST || event.newId === undefined) {
      this.byId.get(event.id)?.(event);
      return;
    }
    const newId = event.newId;
    const device = newId.device;
    if (device === undefined) {
      newId.reject();
      return;
    }
    const peer = readConnectPrivate(event.privateData);
    const inline = negotiateInline(this.inlineOffer, peer);
    const conn = new RdmaServerConnection(this.nextId++, {
      id: newId,
      device,
      credits: this.credits,
      inline,
      sendWithInvalidate: this.options.sendWithInvalidate ?? true,
      events,
      stats: this.stats_,
      tp: this.tp,
      label: this.label,
      onClosed: (c) => this.onConnectionClosed(c),
    });
    // Route the new id's events (ESTABLISHED, DISCONNECTED) to the connection.
    this.byId.set(newId, (ev) => {
      if (ev.type === CmEventType.ESTABLISHED) {
        this.stats_.connects++;
        conn.establish();
      } else if (ev.type === CmEventType.DISCONNECTED || ev.type === CmEventType.CONNECT_ERROR) {
        conn.shutdown(
          new TransportError('ECONNRESET', `${this.label}: connection ${conn.id} disconnected by the peer`),
        );
      }
    });
    try {
      conn.setup();
      this.connections.set(conn.id, conn);
      conn.postAllRecvs();
      newId.accept({
        privateData: encodeConnectPrivate({ sendWithInvalidateOk: false, ...this.inlineOffer }),
        initiatorDepth: Math.min(event.param?.responderResources ?? 1, device.attrs.maxQpInitRdAtom),
        responderResources: 0,
      });
    } catch (error) {
      this.connections.delete(conn.id);
      try {
        newId.reject();
      } catch {
        // the request is already gone
      }
      this.tp.connFault.emit({ conn: conn.id, reason: `accept failed: ${String(error)}` });
    }
  }

  private onConnectionClosed(conn: RdmaServerConnection): void {
    this.stats_.disconnects++;
    this.connections.delete(conn.id);
    this.options.scheduler.setTimer(
      DESTROY_AFTER_NS,
      () => this.byId.delete(conn.deps.id),
      'svcrdma.id-forget',
    );
    this.options.scheduler.setTimer(DESTROY_AFTER_NS, () => conn.destroy(), 'svcrdma.conn-destroy');
  }

  async close(): Promise<void> {
    for (const c of [...this.connections.values()]) c.close();
    this.listener?.destroy();
    this.listener = null;
  }

  stats(): TransportStats {
    const s = this.stats_;
    return {
      connects: s.connects,
      disconnects: s.disconnects,
      sends: s.sends,
      receives: s.receives,
      badXids: s.badXids,
      bytesSent: s.bytesSent,
      bytesReceived: s.bytesReceived,
      extra: s.snapshot(),
    };
  }
}
