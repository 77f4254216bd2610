import * as net from 'node:net';
import type {
  ReceivedCall,
  ServerConnection,
  ServerTransport,
  ServerTransportArgs,
  ServerTransportEvents,
  TransportStats,
} from '../transport/contract.js';
import { fromSocketError, TransportError } from '../transport/errors.js';
import { XdrBuf } from '../xdr/xdr-buf.js';
import type { TcpTransportOptions } from './options.js';
import { frameRecord, RecordReader } from './record-marking.js';

interface Counters {
  connects: number;
  disconnects: number;
  sends: number;
  receives: number;
  bytesSent: number;
  bytesReceived: number;
  oversizedRecords: number;
}

/** One accepted TCP connection. */
class TcpServerConnection implements ServerConnection {
  readonly remoteAddress: string;
  private isOpen = true;

  constructor(
    readonly id: number,
    private readonly socket: net.Socket,
    private readonly options: TcpTransportOptions,
    private readonly counters: Counters,
  ) {
    this.remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
  }

  get open(): boolean {
    return this.isOpen && !this.socket.destroyed;
  }

  sendReply(_call: ReceivedCall, reply: XdrBuf): Promise<void> {
    if (!this.open) return Promise.reject(new TransportError('ENOTCONN', `${this.remoteAddress} is gone`));
    const pieces = frameRecord(reply.segments(), this.options.maxFragmentSize);
    this.counters.sends++;
    this.counters.bytesSent += reply.length;
    const socket = this.socket;
    return new Promise<void>((resolve, reject) => {
      socket.cork();
      for (let i = 0; i < pieces.length - 1; i++) socket.write(pieces[i]!);
      socket.write(pieces[pieces.length - 1]!, (err) => {
        if (err)
          reject(new TransportError('ENOTCONN', `reply to ${this.remoteAddress} failed`, { cause: err }));
        else resolve();
      });
      socket.uncork();
    });
  }

  dropCall(): void {}

  close(): void {
    this.isOpen = false;
    this.socket.destroy();
  }

  markClosed(): void {
    this.isOpen = false;
  }
}

/**
 * Server side of RPC over TCP: accepts connections, reassembles records (RFC 5531 §11) and hands
 * each to the server as a call. A peer that sends a record over `maxRecordSize` or breaks the
 * stream loses its connection; other connections are unaffected.
 */
export class TcpServerTransport implements ServerTransport {
  readonly transportName = 'tcp';
  private server: net.Server | null = null;
  private readonly sockets = new Map<net.Socket, TcpServerConnection>();
  private nextId = 1;
  private readonly counters: Counters = {
    connects: 0,
    disconnects: 0,
    sends: 0,
    receives: 0,
    bytesSent: 0,
    bytesReceived: 0,
    oversizedRecords: 0,
  };

  constructor(
    private readonly args: ServerTransportArgs,
    private readonly options: TcpTransportOptions,
  ) {}

  get connectionCount(): number {
    return this.sockets.size;
  }

  listen(events: ServerTransportEvents): Promise<{ host: string; port: number }> {
    if (this.server !== null) return Promise.reject(new TransportError('EINVAL', 'already listening'));
    const server = net.createServer((socket) => this.accept(socket, events));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (err) => {
        this.server = null;
        reject(fromSocketError(err, `listen on ${this.args.host}:${this.args.port}`));
      });
      server.listen(this.args.port, this.args.host, () => {
        const address = server.address() as net.AddressInfo;
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const [socket, connection] of this.sockets) {
      connection.markClosed();
      socket.destroy();
    }
    this.sockets.clear();
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  stats(): TransportStats {
    const { connects, disconnects, sends, receives, bytesSent, bytesReceived, oversizedRecords } =
      this.counters;
    return {
      connects,
      disconnects,
      sends,
      receives,
      badXids: 0,
      bytesSent,
      bytesReceived,
      extra: { oversizedRecords },
    };
  }

  private accept(socket: net.Socket, events: ServerTransportEvents): void {
    socket.setNoDelay(true);
    const connection = new TcpServerConnection(this.nextId++, socket, this.options, this.counters);
    this.sockets.set(socket, connection);
    this.counters.connects++;
    let ended = false;
    const end = (error?: TransportError) => {
      if (ended) return;
      ended = true;
      connection.markClosed();
      socket.destroy();
      this.sockets.delete(socket);
      this.counters.disconnects++;
      events.onConnectionClosed(connection, error);
    };
    const reader = new RecordReader({
      maxRecordSize: this.options.maxRecordSize,
      onRecord: (record) => {
        this.counters.receives++;
        events.onCall({ connection, buf: XdrBuf.fromBytes(record) });
      },
    });
    socket.on('data', (chunk: Buffer) => {
      this.counters.bytesReceived += chunk.length;
      try {
        reader.push(chunk);
      } catch (err) {
        if (err instanceof TransportError && err.code === 'EMSGSIZE') this.counters.oversizedRecords++;
        end(fromSocketError(err, `reading from ${connection.remoteAddress}`));
      }
    });
    socket.on('error', (err) => end(fromSocketError(err, `connection from ${connection.remoteAddress}`)));
    socket.on('close', () => end());
    events.onConnection(connection);
  }
}
