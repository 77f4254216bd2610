import type { Scheduler } from '@rdmalab/kernel';
import {
  type ClientTransport,
  type ClientTransportEvents,
  type RpcRequest,
  type RpcSlot,
  SlotTable,
  TransportError,
  type TransportStats,
  type XdrBuf,
} from '../../src/index.js';

export interface SentRecord {
  readonly at: number;
  readonly xid: number;
  readonly transmissions: number;
  readonly bytes: Uint8Array;
}

/**
 * An in-memory client transport for virtual-time tests: records what is sent, lets the test
 * answer, refuse connections, report EAGAIN, drop the connection or hold a send open.
 */
export class FakeTransport implements ClientTransport {
  readonly transportName = 'fake';
  readonly ident = 9999;
  readonly remoteAddress = 'fake:0';
  events!: ClientTransportEvents;
  readonly sent: SentRecord[] = [];
  readonly freed: number[] = [];
  connectedNow = false;
  connectAttempts = 0;
  refuseConnect = false;
  /** Answer the next N sends with EAGAIN. */
  eagainCount = 0;
  /** When set, sends stay pending until the test resolves them. */
  holdSends = false;
  readonly heldSends: (() => void)[] = [];
  /** Called for each send: may answer by calling `events.onReply`. */
  onSend: ((request: RpcRequest) => void) | null = null;
  private readonly slots: SlotTable;

  constructor(
    private readonly scheduler: Scheduler,
    slotCount = 16,
  ) {
    this.slots = new SlotTable(slotCount);
  }

  get connected(): boolean {
    return this.connectedNow;
  }

  attach(events: ClientTransportEvents): void {
    this.events = events;
  }

  async connect(): Promise<void> {
    this.connectAttempts++;
    if (this.refuseConnect) throw new TransportError('ECONNREFUSED', 'fake refuses');
    this.connectedNow = true;
  }

  async close(): Promise<void> {
    this.connectedNow = false;
  }

  /** Like RDMA: no slots until the first connection. */
  slotsNeedConnection = false;

  allocSlot(): RpcSlot | null {
    if (this.slotsNeedConnection && this.connectAttempts === 0) return null;
    return this.slots.alloc();
  }

  freeSlot(slot: RpcSlot): void {
    this.slots.release(slot);
  }

  get slotsInUse(): number {
    return this.slots.inUse;
  }

  allocSendBuffer(): Uint8Array | undefined {
    return undefined;
  }

  freeRequest(request: RpcRequest): void {
    this.freed.push(request.xid);
  }

  sendRequest(request: RpcRequest): Promise<void> {
    if (!this.connectedNow) return Promise.reject(new TransportError('ENOTCONN', 'fake not connected'));
    if (this.eagainCount > 0) {
      this.eagainCount--;
      return Promise.reject(new TransportError('EAGAIN', 'fake has no write space'));
    }
    this.sent.push({
      at: this.scheduler.now(),
      xid: request.xid,
      transmissions: request.transmissions,
      bytes: request.sndBuf.toBytes().slice(),
    });
    this.onSend?.(request);
    if (!this.holdSends) return Promise.resolve();
    return new Promise((resolve) => this.heldSends.push(resolve));
  }

  reply(xid: number, buf: XdrBuf): void {
    this.events.onReply(xid, buf);
  }

  injectDisconnect(): void {
    this.connectedNow = false;
    this.events.onDisconnect(new TransportError('ECONNRESET', 'fake disconnect'));
  }

  stats(): TransportStats {
    return {
      connects: this.connectAttempts,
      disconnects: 0,
      sends: this.sent.length,
      receives: 0,
      badXids: 0,
      bytesSent: 0,
      bytesReceived: 0,
      extra: {},
    };
  }
}
