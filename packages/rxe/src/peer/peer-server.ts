import {
  AccessFlags,
  type CmEvent,
  CmEventType,
  type CmId,
  type CompletionQueue,
  type ProtectionDomain,
  type QueuePair,
  SendFlags,
  WcOpcode,
  WcStatus,
  type WorkCompletion,
  WrOpcode,
  wcStatusName,
} from '@rdmalab/verbs';
import type { RxeHost } from '../host/rxe-host.js';
import { PageBuffer, patternBytes } from './page-buffer.js';
import { encodeAcceptData, PeerOp } from './peer-protocol.js';

export interface PeerServerOptions {
  /** rdma_cm service port to listen on. */
  port: number;
  /** Bytes of the data buffer each connection exposes for RDMA WRITE / READ (default 8 MiB). */
  bufferBytes?: number;
  /** Largest SEND a request or reply may be (default 1 MiB + 64). */
  slotBytes?: number;
  /** Receives kept posted per connection (default 4). */
  slots?: number;
  /** Called for every connection event and failed completion, for logging. */
  log?: (line: string) => void;
}

interface Connection {
  readonly id: CmId;
  readonly pd: ProtectionDomain;
  readonly cq: CompletionQueue;
  readonly qp: QueuePair;
  readonly data: PageBuffer;
  readonly slots: PageBuffer;
  closed: boolean;
}

/** Reply SENDs carry this bit in their wrId so their completion reposts the slot's receive. */
const REPLY_WR = 0x1000_0000;

/**
 * The serving side of the two-process tests and benchmarks: listens through the CM, gives every
 * connection a data buffer for RDMA WRITE / READ (advertised in the REP) and answers ECHO / HASH / FILL
 * requests sent as SENDs.
 */
export class PeerServer {
  readonly #host: RxeHost;
  readonly #bufferBytes: number;
  readonly #slotBytes: number;
  readonly #slotCount: number;
  readonly #log: (line: string) => void;
  readonly #connections = new Set<Connection>();
  #listener: CmId | undefined;
  /** Requests served, over all connections. */
  served = 0;

  constructor(
    host: RxeHost,
    readonly options: PeerServerOptions,
  ) {
    this.#host = host;
    this.#bufferBytes = options.bufferBytes ?? 8 << 20;
    this.#slotBytes = options.slotBytes ?? (1 << 20) + 64;
    this.#slotCount = options.slots ?? 4;
    this.#log = options.log ?? (() => {});
  }

  get connections(): number {
    return this.#connections.size;
  }

  listen(): void {
    const listener = this.#host.cm.createId((event) => this.#onListenerEvent(event));
    listener.bind({ ip: this.#host.ip, port: this.options.port });
    listener.listen();
    this.#listener = listener;
  }

  close(): void {
    for (const conn of [...this.#connections]) this.#teardown(conn);
    this.#listener?.destroy();
    this.#listener = undefined;
  }

  #onListenerEvent(event: CmEvent): void {
    // Accepted ids report through the listener's handler too (rdma_cm semantics).
    if (event.type === CmEventType.DISCONNECTED) {
      for (const conn of this.#connections) {
        if (conn.id !== event.id) continue;
        this.#log(`qp ${conn.qp.qpNum}: disconnected`);
        this.#teardown(conn);
      }
      return;
    }
    if (event.type !== CmEventType.CONNECT_REQUEST || event.newId === undefined) return;
    const id = event.newId;
    try {
      this.#accept(id);
    } catch (error) {
      // Out of memory or QPs: refuse this connection (REJ), keep serving the others.
      this.#log(`refusing a connection from ${id.remote?.ip ?? '?'}: ${(error as Error).message}`);
      id.reject();
      setImmediate(() => id.destroy());
    }
  }

  #accept(id: CmId): void {
    const device = this.#host.device;
    const pd = device.allocPd();
    let conn: Connection | undefined;
    const cq = device.createCq({
      capacity: 4 * this.#slotCount + 16,
      mode: 'callback',
      onCompletion: (wc) => {
        if (conn) this.#onCompletion(conn, wc);
      },
    });
    const qp = id.createQp(pd, {
      type: 'RC',
      sendCq: cq,
      recvCq: cq,
      cap: {
        maxSendWr: 2 * this.#slotCount,
        maxRecvWr: this.#slotCount,
        maxSendSge: 1,
        maxRecvSge: 1,
        maxInlineData: 0,
      },
    });
    const memory = this.#host.memory;
    const access = AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_READ;
    let data: PageBuffer | undefined;
    let slots: PageBuffer;
    try {
      data = PageBuffer.register(memory, pd, this.#bufferBytes, access, 'peer-server:data');
      const slotBytes = this.#slotCount * this.#slotBytes;
      slots = PageBuffer.register(memory, pd, slotBytes, AccessFlags.LOCAL_WRITE, 'peer-server:slots');
    } catch (error) {
      data?.release();
      qp.destroy();
      cq.destroy();
      pd.dealloc();
      throw error;
    }
    conn = { id, pd, cq, qp, data, slots, closed: false };
    this.#connections.add(conn);
    for (let slot = 0; slot < this.#slotCount; slot++) this.#postSlot(conn, slot);
    id.accept({
      privateData: encodeAcceptData({
        addr: data.mr.iova,
        rkey: data.mr.rkey,
        length: data.length,
        slotBytes: this.#slotBytes,
      }),
      responderResources: 16,
      initiatorDepth: 16,
    });
    this.#log(`connection from ${id.remote?.ip ?? '?'}: qp ${qp.qpNum}`);
  }

  #postSlot(conn: Connection, slot: number): void {
    conn.qp.postRecv([{ wrId: slot, sgList: [conn.slots.sge(slot * this.#slotBytes, this.#slotBytes)] }]);
  }

  #onCompletion(conn: Connection, wc: WorkCompletion): void {
    if (conn.closed) return;
    if (wc.status !== WcStatus.SUCCESS) {
      this.#log(`qp ${conn.qp.qpNum}: wr ${wc.wrId} ${wcStatusName(wc.status)}; closing the connection`);
      this.#teardown(conn);
      return;
    }
    if (wc.opcode === WcOpcode.RECV) {
      this.#serve(conn, wc.wrId, wc.byteLen);
      return;
    }
    if ((wc.wrId & REPLY_WR) !== 0) this.#postSlot(conn, wc.wrId & ~REPLY_WR);
  }

  #serve(conn: Connection, slot: number, byteLen: number): void {
    this.served++;
    const base = slot * this.#slotBytes;
    const head = conn.slots.read(base, Math.min(byteLen, 13));
    const view = new DataView(head.buffer);
    let replyLength = byteLen;
    const u32 = (i: number) => (head.length >= 1 + 4 * (i + 1) ? view.getUint32(1 + 4 * i) : -1);
    const reply = (bytes: Uint8Array) => {
      conn.slots.write(base, bytes);
      replyLength = bytes.length;
    };
    const fail = (reason: string) => {
      const text = new TextEncoder().encode(reason.slice(0, 200));
      reply(Uint8Array.of(PeerOp.ERROR, text.length, ...text));
    };
    const inData = (offset: number, length: number) =>
      offset >= 0 && length >= 0 && offset + length <= conn.data.length;
    switch (head[0]) {
      case PeerOp.ECHO:
        break; // the request bytes are the reply
      case PeerOp.HASH: {
        const [offset, length] = [u32(0), u32(1)];
        if (!inData(offset, length)) fail(`HASH range [${offset}, +${length}) is outside the buffer`);
        else reply(Uint8Array.of(PeerOp.HASH_REPLY, ...conn.data.sha256(offset, length)));
        break;
      }
      case PeerOp.FILL: {
        const [seed, offset, length] = [u32(0), u32(1), u32(2)];
        if (!inData(offset, length)) fail(`FILL range [${offset}, +${length}) is outside the buffer`);
        else {
          conn.data.write(offset, patternBytes(seed, offset, length));
          reply(Uint8Array.of(PeerOp.OK));
        }
        break;
      }
      default:
        fail(`unknown operation 0x${(head[0] ?? 0).toString(16)} at byte 0`);
    }
    conn.qp.postSend([
      {
        wrId: REPLY_WR | slot,
        opcode: WrOpcode.SEND,
        flags: SendFlags.SIGNALED,
        sgList: replyLength === 0 ? [] : [conn.slots.sge(base, replyLength)],
      },
    ]);
  }

  #teardown(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    this.#connections.delete(conn);
    // Called from a completion or CM event: release on the next turn, outside the CQ poller's pass.
    setImmediate(() => {
      conn.id.destroy();
      conn.data.release();
      conn.slots.release();
      conn.cq.destroy();
      conn.pd.dealloc();
    });
  }
}
