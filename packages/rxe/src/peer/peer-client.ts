import {
  AccessFlags,
  type CmAddress,
  type CmEvent,
  CmEventType,
  type CmId,
  type CompletionQueue,
  cmEventName,
  type ProtectionDomain,
  type QueuePair,
  SendFlags,
  type SendWr,
  WcStatus,
  type WorkCompletion,
  WrOpcode,
  wcStatusName,
} from '@rdmalab/verbs';
import type { RxeHost } from '../host/rxe-host.js';
import { PageBuffer } from './page-buffer.js';
import { decodeAcceptData, PeerOp, type PeerRemoteBuffer, peerRequest } from './peer-protocol.js';

/** Why a peer operation failed: a work completion status name (e.g. RETRY_EXC_ERR), or an errno name. */
export class PeerOperationError extends Error {
  override readonly name = 'PeerOperationError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export interface PeerClientOptions {
  server: CmAddress;
  /** Local data buffer for WRITE sources and READ targets (default 8 MiB). */
  bufferBytes?: number;
  /** Largest request / reply SEND (default 1 MiB + 64; at most the server's). */
  slotBytes?: number;
  /** RDMA WRITE / READ split into WRs of this size (default 256 KiB). */
  chunkBytes?: number;
  /** WRs in flight during a WRITE / READ (default 8). */
  maxOutstanding?: number;
  /** Local ACK timeout retries of the connection's QPs (default 6, as xprtrdma). */
  retryCount?: number;
  /** Give up connecting after this long (default 5000 ms). */
  connectTimeoutMs?: number;
}

interface Pending {
  resolve(wc: WorkCompletion): void;
  reject(error: PeerOperationError): void;
  what: string;
}

/**
 * The client side of the two-process tests and benchmarks: connects to a PeerServer through the CM,
 * learns its data buffer from the REP, and moves bytes with SEND/RECV (requests), RDMA WRITE and RDMA
 * READ. A failed completion fails every outstanding operation with the completion's status.
 */
export class PeerClient {
  readonly #pending = new Map<number, Pending>();
  #nextWrId = 1;
  #failure: PeerOperationError | undefined;
  #requestChain: Promise<unknown> = Promise.resolve();
  readonly #chunkBytes: number;
  readonly #maxOutstanding: number;

  private constructor(
    readonly host: RxeHost,
    readonly id: CmId,
    readonly pd: ProtectionDomain,
    readonly cq: CompletionQueue,
    readonly qp: QueuePair,
    readonly data: PageBuffer,
    readonly slots: PageBuffer,
    readonly slotBytes: number,
    readonly remote: PeerRemoteBuffer,
    options: PeerClientOptions,
  ) {
    this.#chunkBytes = options.chunkBytes ?? 256 << 10;
    this.#maxOutstanding = options.maxOutstanding ?? 8;
  }

  /** Connect to the PeerServer at `options.server`; rejects with PeerOperationError on REJ or timeout. */
  static connect(host: RxeHost, options: PeerClientOptions): Promise<PeerClient> {
    const device = host.device;
    const pd = device.allocPd();
    let client: PeerClient | undefined;
    const cq = device.createCq({
      capacity: 256,
      mode: 'callback',
      onCompletion: (wc) => client?.onCompletion(wc),
    });
    const slotBytes = options.slotBytes ?? (1 << 20) + 64;
    const access = AccessFlags.LOCAL_WRITE;
    const data = PageBuffer.register(
      host.memory,
      pd,
      options.bufferBytes ?? 8 << 20,
      access,
      'peer-client:data',
    );
    const slots = PageBuffer.register(host.memory, pd, 2 * slotBytes, access, 'peer-client:slots');
    return new Promise<PeerClient>((resolve, reject) => {
      let settled = false;
      const fail = (code: string, why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        id.destroy();
        data.release();
        slots.release();
        cq.destroy();
        pd.dealloc();
        reject(
          new PeerOperationError(code, `connect to ${options.server.ip}:${options.server.port}: ${why}`),
        );
      };
      const onEvent = (event: CmEvent) => {
        if (event.type === CmEventType.ESTABLISHED && !settled) {
          let remote: PeerRemoteBuffer;
          try {
            remote = decodeAcceptData(event.privateData);
          } catch (error) {
            fail('EPROTO', (error as Error).message);
            return;
          }
          settled = true;
          clearTimeout(timer);
          client = new PeerClient(host, id, pd, cq, qp, data, slots, slotBytes, remote, options);
          resolve(client);
        } else if (event.type === CmEventType.DISCONNECTED) {
          client?.failAll(
            new PeerOperationError('ECONNRESET', `the server at ${options.server.ip} disconnected`),
          );
        } else if (event.type === CmEventType.REJECTED) {
          fail('ECONNREFUSED', `rejected (reason ${String(event.status)})`);
        } else if (event.type === CmEventType.UNREACHABLE || event.type === CmEventType.CONNECT_ERROR) {
          fail('ETIMEDOUT', `${cmEventName(event.type)} (${String(event.status)})`);
        }
      };
      const id = host.cm.createId(onEvent);
      id.resolveRoute(options.server, host.ip);
      const qp = id.createQp(pd, {
        type: 'RC',
        sendCq: cq,
        recvCq: cq,
        cap: { maxSendWr: 64, maxRecvWr: 4, maxSendSge: 1, maxRecvSge: 1, maxInlineData: 0 },
      });
      const timer = setTimeout(
        () => fail('ETIMEDOUT', `no answer within ${options.connectTimeoutMs ?? 5000} ms`),
        options.connectTimeoutMs ?? 5000,
      );
      id.connect({
        retryCount: options.retryCount ?? 6,
        rnrRetryCount: 7,
        responderResources: 16,
        initiatorDepth: 16,
      });
    });
  }

  /** Send `request` as one SEND and resolve with the server's reply SEND. One request at a time. */
  request(request: Uint8Array): Promise<Uint8Array> {
    const run = async () => {
      if (request.length > this.slotBytes || request.length > this.remote.slotBytes)
        throw new PeerOperationError(
          'EMSGSIZE',
          `request of ${request.length} bytes exceeds the ${Math.min(this.slotBytes, this.remote.slotBytes)}-byte slot`,
        );
      this.slots.write(0, request);
      const recv = this.#track('reply RECV');
      this.qp.postRecv([{ wrId: recv.wrId, sgList: [this.slots.sge(this.slotBytes, this.slotBytes)] }]);
      const send = this.#track('request SEND');
      this.qp.postSend([
        {
          wrId: send.wrId,
          opcode: WrOpcode.SEND,
          flags: SendFlags.SIGNALED,
          sgList: request.length === 0 ? [] : [this.slots.sge(0, request.length)],
        },
      ]);
      await send.done;
      const wc = await recv.done;
      return this.slots.read(this.slotBytes, wc.byteLen);
    };
    const result = this.#requestChain.then(run, run);
    this.#requestChain = result.catch(() => {});
    return result;
  }

  async echo(bytes: Uint8Array): Promise<Uint8Array> {
    const message = new Uint8Array(bytes.length + 1);
    message[0] = PeerOp.ECHO;
    message.set(bytes, 1);
    const reply = await this.request(message);
    return reply.subarray(1);
  }

  /** SHA-256 of [offset, offset+length) of the server's data buffer. */
  async remoteHash(offset: number, length: number): Promise<Uint8Array> {
    const reply = this.#expect(
      await this.request(peerRequest(PeerOp.HASH, offset, length)),
      PeerOp.HASH_REPLY,
    );
    return reply.subarray(1, 33);
  }

  /** Have the server fill [offset, offset+length) of its data buffer with patternBytes(seed, …). */
  async remoteFill(seed: number, offset: number, length: number): Promise<void> {
    this.#expect(await this.request(peerRequest(PeerOp.FILL, seed, offset, length)), PeerOp.OK);
  }

  /** RDMA WRITE local [localOffset, +length) to the server's buffer at remoteOffset. */
  write(localOffset: number, remoteOffset: number, length: number): Promise<void> {
    return this.#rdma(WrOpcode.RDMA_WRITE, localOffset, remoteOffset, length);
  }

  /** RDMA READ the server's [remoteOffset, +length) into local localOffset. */
  read(localOffset: number, remoteOffset: number, length: number): Promise<void> {
    return this.#rdma(WrOpcode.RDMA_READ, localOffset, remoteOffset, length);
  }

  /** Disconnect (DREQ) and release the QP, buffers, CQ and PD. */
  close(): void {
    this.failAll(new PeerOperationError('ESHUTDOWN', 'the client was closed'));
    this.id.destroy();
    this.data.release();
    this.slots.release();
    this.cq.destroy();
    this.pd.dealloc();
  }

  /** @internal */
  onCompletion(wc: WorkCompletion): void {
    const pending = this.#pending.get(wc.wrId);
    if (pending === undefined) return;
    this.#pending.delete(wc.wrId);
    if (wc.status === WcStatus.SUCCESS) {
      pending.resolve(wc);
      return;
    }
    const status = wcStatusName(wc.status);
    const error =
      this.#failure ??
      new PeerOperationError(
        status,
        `${pending.what} (wr ${wc.wrId}) to ${this.remote ? this.id.remote?.ip : '?'} failed with ${status}` +
          (wc.status === WcStatus.RETRY_EXC_ERR
            ? ': the peer stopped acknowledging (retry count exhausted)'
            : ''),
      );
    this.#failure ??= error;
    pending.reject(wc.status === WcStatus.WR_FLUSH_ERR && this.#failure ? this.#failure : error);
  }

  /** @internal Fail every outstanding operation (disconnect, close). */
  failAll(error: PeerOperationError): void {
    this.#failure ??= error;
    for (const [wrId, pending] of [...this.#pending]) {
      this.#pending.delete(wrId);
      pending.reject(this.#failure);
    }
  }

  /** The first failure of this connection, if any. */
  get failure(): PeerOperationError | undefined {
    return this.#failure;
  }

  #track(what: string): { wrId: number; done: Promise<WorkCompletion> } {
    if (this.#failure) throw this.#failure;
    const wrId = this.#nextWrId++;
    const done = new Promise<WorkCompletion>((resolve, reject) =>
      this.#pending.set(wrId, { resolve, reject, what }),
    );
    done.catch(() => {});
    return { wrId, done };
  }

  #expect(reply: Uint8Array, op: number): Uint8Array {
    if (reply[0] === op) return reply;
    if (reply[0] === PeerOp.ERROR) {
      const reason = new TextDecoder().decode(reply.subarray(2, 2 + (reply[1] ?? 0)));
      throw new PeerOperationError('EREMOTEIO', `server refused: ${reason}`);
    }
    throw new PeerOperationError(
      'EPROTO',
      `reply byte 0 is 0x${(reply[0] ?? 0).toString(16)}, expected 0x${op.toString(16)}`,
    );
  }

  async #rdma(opcode: WrOpcode, localOffset: number, remoteOffset: number, length: number): Promise<void> {
    if (remoteOffset < 0 || remoteOffset + length > this.remote.length)
      throw new PeerOperationError(
        'EINVAL',
        `remote range [${remoteOffset}, +${length}) is outside the server's ${this.remote.length} bytes`,
      );
    const what = opcode === WrOpcode.RDMA_WRITE ? 'RDMA WRITE' : 'RDMA READ';
    const inFlight = new Set<Promise<WorkCompletion>>();
    for (let done = 0; done < length; ) {
      const n = Math.min(this.#chunkBytes, length - done);
      const { wrId, done: completion } = this.#track(what);
      const wr: SendWr = {
        wrId,
        opcode,
        flags: SendFlags.SIGNALED,
        sgList: [this.data.sge(localOffset + done, n)],
        rdma: { remoteAddr: this.remote.addr + remoteOffset + done, rkey: this.remote.rkey },
      };
      this.qp.postSend([wr]);
      const tracked = completion.finally(() => inFlight.delete(tracked));
      tracked.catch(() => {}); // the first failure is thrown below; later ones are the same failure
      inFlight.add(tracked);
      done += n;
      if (inFlight.size >= this.#maxOutstanding) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }
}
