import * as net from 'node:net';
import type { Scheduler, TimerHandle } from '@rdmalab/kernel';
import { SlotTable } from '../client/slot-table.js';
import { MsgType } from '../rpc/constants.js';
import {
  type ClientTransport,
  type ClientTransportArgs,
  type ClientTransportEvents,
  type RpcRequest,
  type RpcSlot,
  type TransportStats,
  XPRT_TRANSPORT_TCP,
} from '../transport/contract.js';
import { fromSocketError, TransportError } from '../transport/errors.js';
import { XdrBuf } from '../xdr/xdr-buf.js';
import type { TcpTransportOptions } from './options.js';
import { frameRecord, RecordReader } from './record-marking.js';

/**
 * Client side of RPC over TCP (the kernel's xprtsock): one connection, records framed with
 * record marking, a fixed slot table as the congestion window, reconnect with exponential
 * backoff after failures.
 */
export class TcpClientTransport implements ClientTransport {
  readonly transportName = 'tcp';
  readonly ident = XPRT_TRANSPORT_TCP;
  readonly remoteAddress: string;
  private events: ClientTransportEvents | null = null;
  private socket: net.Socket | null = null;
  private isConnected = false;
  private connecting: Promise<void> | null = null;
  private closed = false;
  /** Failed connects and lost connections since a reply last proved the connection healthy. */
  private failures = 0;
  private wantWriteSpace = false;
  private readonly slots: SlotTable;
  private readonly scheduler: Scheduler;
  /** Backoff sleeps in progress: close() ends them. */
  private readonly sleeps = new Map<TimerHandle, () => void>();
  private readonly counters = {
    connects: 0,
    disconnects: 0,
    sends: 0,
    receives: 0,
    badXids: 0,
    bytesSent: 0,
    bytesReceived: 0,
    badReplies: 0,
    oversizedRecords: 0,
    connectAttempts: 0,
    connectFailures: 0,
    eagain: 0,
  };

  constructor(
    private readonly args: ClientTransportArgs,
    private readonly options: TcpTransportOptions,
  ) {
    this.remoteAddress = `${args.host}:${args.port}`;
    this.scheduler = args.scheduler;
    this.slots = new SlotTable(options.slotTableSize);
  }

  get connected(): boolean {
    return this.isConnected;
  }

  attach(events: ClientTransportEvents): void {
    if (this.events !== null) throw new TransportError('EINVAL', 'transport already attached to a client');
    this.events = events;
  }

  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError('ESHUTDOWN', 'transport closed'));
    if (this.isConnected) return Promise.resolve();
    if (this.connecting === null) {
      this.connecting = this.connectOnce().finally(() => {
        this.connecting = null;
      });
    }
    return this.connecting;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [timer, resolve] of this.sleeps) {
      timer.cancel();
      resolve();
    }
    this.sleeps.clear();
    const socket = this.socket;
    this.socket = null;
    this.isConnected = false;
    if (socket !== null && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.destroy();
      });
    }
  }

  allocSlot(): RpcSlot | null {
    return this.slots.alloc();
  }

  freeSlot(slot: RpcSlot): void {
    this.slots.release(slot);
  }

  allocSendBuffer(): Uint8Array | undefined {
    return undefined;
  }

  freeRequest(): void {}

  sendRequest(request: RpcRequest): Promise<void> {
    const socket = this.socket;
    if (!this.isConnected || socket === null) {
      return Promise.reject(new TransportError('ENOTCONN', `not connected to ${this.remoteAddress}`));
    }
    if (socket.writableLength >= this.options.writeQueueLimit) {
      this.wantWriteSpace = true;
      this.counters.eagain++;
      return Promise.reject(
        new TransportError('EAGAIN', `${socket.writableLength} bytes queued to ${this.remoteAddress}`),
      );
    }
    const pieces = frameRecord(request.sndBuf.segments(), this.options.maxFragmentSize);
    this.counters.sends++;
    this.counters.bytesSent += request.sndBuf.length;
    return new Promise<void>((resolve, reject) => {
      socket.cork();
      for (let i = 0; i < pieces.length - 1; i++) socket.write(pieces[i]!);
      // The callback of the last write runs once every piece is handed to the kernel.
      socket.write(pieces[pieces.length - 1]!, (err) => {
        if (err)
          reject(new TransportError('ENOTCONN', `send to ${this.remoteAddress} failed`, { cause: err }));
        else resolve();
      });
      socket.uncork();
    });
  }

  injectDisconnect(): void {
    const socket = this.socket;
    if (socket !== null) this.lose(socket, new TransportError('ECONNRESET', 'disconnect injected'));
  }

  stats(): TransportStats {
    const { connects, disconnects, sends, receives, badXids, bytesSent, bytesReceived, ...extra } =
      this.counters;
    return {
      connects,
      disconnects,
      sends,
      receives,
      badXids,
      bytesSent,
      bytesReceived,
      extra: { ...extra, maxSlotsUsed: this.slots.maxUsed },
    };
  }

  private async connectOnce(): Promise<void> {
    if (this.failures > 0) {
      const o = this.options;
      const delay = Math.min(o.reconnectDelayNs * 2 ** (this.failures - 1), o.maxReconnectDelayNs);
      await this.sleep(delay);
      if (this.closed) throw new TransportError('ESHUTDOWN', 'transport closed');
    }
    this.counters.connectAttempts++;
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: this.args.host, port: this.args.port });
      const timer = this.scheduler.setTimer(this.options.connectTimeoutNs, () => {
        s.destroy();
        reject(new TransportError('ETIMEDOUT', `connect to ${this.remoteAddress} timed out`));
      });
      s.once('connect', () => {
        timer.cancel();
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err) => {
        timer.cancel();
        reject(fromSocketError(err, `connect to ${this.remoteAddress}`));
      });
    }).catch((err: unknown) => {
      this.failures++;
      this.counters.connectFailures++;
      throw err;
    });
    if (this.closed) {
      socket.destroy();
      throw new TransportError('ESHUTDOWN', 'transport closed');
    }
    socket.setNoDelay(true);
    this.socket = socket;
    this.isConnected = true;
    this.counters.connects++;
    const reader = new RecordReader({
      maxRecordSize: this.options.maxRecordSize,
      onRecord: (record) => this.onRecord(record),
    });
    socket.on('data', (chunk: Buffer) => {
      this.counters.bytesReceived += chunk.length;
      try {
        reader.push(chunk);
      } catch (err) {
        if (err instanceof TransportError && err.code === 'EMSGSIZE') this.counters.oversizedRecords++;
        this.lose(socket, fromSocketError(err, `reading from ${this.remoteAddress}`));
      }
    });
    socket.on('drain', () => {
      if (!this.wantWriteSpace) return;
      this.wantWriteSpace = false;
      this.events?.onWriteSpace();
    });
    socket.on('error', (err) =>
      this.lose(socket, fromSocketError(err, `connection to ${this.remoteAddress}`)),
    );
    socket.on('close', () =>
      this.lose(socket, new TransportError('ECONNRESET', `${this.remoteAddress} closed the connection`)),
    );
    this.events?.onCongestionWindow(this.slots.size);
  }

  private onRecord(record: Uint8Array): void {
    if (record.length < 12) {
      this.counters.badReplies++;
      return;
    }
    const view = new DataView(record.buffer, record.byteOffset, record.length);
    if (view.getUint32(4) !== MsgType.REPLY) {
      // A call from the server (backchannel) is not served here.
      this.counters.badReplies++;
      return;
    }
    this.counters.receives++;
    this.failures = 0;
    this.events?.onReply(view.getUint32(0), XdrBuf.fromBytes(record));
  }

  /** The connection `socket` is gone (once per socket): tell the client unless we closed it. */
  private lose(socket: net.Socket, error: TransportError): void {
    socket.destroy();
    if (this.socket !== socket) return;
    this.socket = null;
    this.isConnected = false;
    this.failures++;
    this.counters.disconnects++;
    if (!this.closed) this.events?.onDisconnect(error);
  }

  private sleep(ns: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.scheduler.setTimer(ns, () => {
        this.sleeps.delete(timer);
        resolve();
      });
      this.sleeps.set(timer, resolve);
    });
  }
}
