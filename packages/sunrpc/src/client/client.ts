import type { Scheduler } from '@rdmalab/kernel';
import { AuthNone, type RpcAuth } from '../rpc/auth.js';
import { RpcError } from '../rpc/errors.js';
import { RpcStats } from '../stats/rpc-stats.js';
import type { ClientTransport, RpcSlot, TransportStats } from '../transport/contract.js';
import type { TransportError } from '../transport/errors.js';
import type { XdrBuf } from '../xdr/xdr-buf.js';
import { type RpcCallOptions, RpcTask, type RpcTaskState, type TaskHost } from './task.js';
import { DEFAULT_RPC_TIMEOUT, type RpcTimeoutOptions } from './timeout.js';

export interface RpcClientOptions {
  /** The transport this client owns (created from a TransportClass); it is attached here. */
  readonly transport: ClientTransport;
  readonly scheduler: Scheduler;
  readonly program: number;
  readonly version: number;
  /** For stats headers ("nfs", "mount"). */
  readonly programName?: string;
  /** Procedure names for stats, by number (for `version`). */
  readonly procedureNames?: Readonly<Record<number, string>>;
  /** Default AUTH_NONE. */
  readonly auth?: RpcAuth;
  readonly timeout?: Partial<RpcTimeoutOptions>;
  /** Where per-procedure statistics go; a fresh store by default. */
  readonly stats?: RpcStats;
  /** First xid; random by default (as the kernel seeds xprt->xid). Set it for reproducible runs. */
  readonly firstXid?: number;
  /**
   * Pause between failed connection attempts, ns (default 1 ms). Transports apply their own
   * backoff on top; this floor keeps one that fails at once from spinning.
   */
  readonly reconnectPauseNs?: number;
}

/**
 * An ONC RPC client for one program (the kernel's rpc_clnt) over one transport. Calls run as
 * tasks through reserve → encode → transmit → wait → decode → release; the client keeps the xid
 * table, the backlog of tasks waiting for a slot, the congestion window the transport sets, and
 * reconnects when the transport reports a lost connection (then retransmits what is outstanding,
 * with the same xids).
 */
export class RpcClient {
  readonly program: number;
  readonly version: number;
  readonly stats: RpcStats;
  readonly transport: ClientTransport;
  private readonly host: TaskHost;
  private readonly defaultTimeout: RpcTimeoutOptions;
  private readonly procedureNames: Readonly<Record<number, string>>;
  private xid: number;
  private readonly tracked = new Map<number, RpcTask<unknown>>();
  private readonly backlog: RpcTask<unknown>[] = [];
  private cwnd = Number.POSITIVE_INFINITY;
  private inflight = 0;
  private connecting = false;
  private shutdownError: RpcError | null = null;
  private unmatchedReplies = 0;
  private lastConnectError: TransportError | null = null;
  private readonly reconnectPauseNs: number;

  constructor(options: RpcClientOptions) {
    this.program = options.program;
    this.version = options.version;
    this.transport = options.transport;
    this.stats = options.stats ?? new RpcStats();
    this.stats.nameProgram(options.program, options.version, options.programName ?? `prog${options.program}`);
    this.defaultTimeout = { ...DEFAULT_RPC_TIMEOUT, ...options.timeout };
    this.procedureNames = options.procedureNames ?? {};
    this.reconnectPauseNs = options.reconnectPauseNs ?? 1e6;
    this.xid = (options.firstXid ?? Math.floor(Math.random() * 0x1_0000_0000)) >>> 0;
    const scheduler = options.scheduler;
    const auth = options.auth ?? new AuthNone();
    // The task-facing side, kept off the public surface.
    this.host = {
      transport: this.transport,
      scheduler,
      auth,
      program: this.program,
      version: this.version,
      tryReserve: (task) => this.tryReserve(task),
      joinBacklog: (task) => {
        if (!this.backlog.includes(task)) this.backlog.push(task);
      },
      leaveBacklog: (task) => {
        const i = this.backlog.indexOf(task);
        if (i >= 0) {
          this.backlog.splice(i, 1);
          if (i === 0) this.backlog[0]?.wake();
        }
      },
      nextXid: () => {
        const xid = this.xid;
        this.xid = (this.xid + 1) >>> 0;
        return xid;
      },
      track: (task) => this.tracked.set(task.xid, task),
      untrack: (task) => {
        if (this.tracked.get(task.xid) === task) this.tracked.delete(task.xid);
      },
      requestConnect: () => this.requestConnect(),
      lastConnectError: () => this.lastConnectError,
      releaseSlot: (slot) => this.releaseSlot(slot),
      opStats: (vers, proc, name) => this.stats.op(this.program, vers, proc, name),
      procName: (vers, proc) =>
        (vers === this.version ? this.procedureNames[proc] : undefined) ??
        (proc === 0 ? 'NULL' : `proc${proc}`),
    };
    this.transport.attach({
      onReply: (xid, reply) => this.onReply(xid, reply),
      onReplyError: (xid, error) => {
        const task = this.tracked.get(xid);
        if (task === undefined) this.unmatchedReplies++;
        else task.deliverReplyError(error);
      },
      onDisconnect: () => this.onDisconnect(),
      onWriteSpace: () => this.wakeAll(),
      onSlotsAvailable: () => this.backlog[0]?.wake(),
      onCongestionWindow: (cwnd) => this.setCongestionWindow(cwnd),
    });
  }

  /** Call a procedure; resolves with the decoded results, rejects with an RpcError (or TransportError). */
  call<T>(options: RpcCallOptions<T>): Promise<T> {
    if (this.shutdownError !== null) return Promise.reject(this.shutdownError);
    const timeout = options.timeout ? { ...this.defaultTimeout, ...options.timeout } : this.defaultTimeout;
    return new RpcTask(this.host, options, timeout).run();
  }

  /** The NULL procedure (0): no arguments, no results. */
  ping(options: { signal?: AbortSignal; vers?: number } = {}): Promise<void> {
    return this.call({ proc: 0, procName: 'NULL', decodeResult: () => undefined, ...options });
  }

  /** Calls in progress (reserved or waiting for a slot). */
  get outstanding(): number {
    return this.inflight + this.backlog.length;
  }

  /** The calls that have an xid (encoded, not yet released), with the state each is in. */
  tasks(): { xid: number; state: RpcTaskState }[] {
    return [...this.tracked.values()].map((t) => ({ xid: t.xid, state: t.state }));
  }

  /** Tasks waiting in the backlog for a slot or congestion room. */
  get backlogLength(): number {
    return this.backlog.length;
  }

  /** The congestion window the transport last set (Infinity until it does). */
  get congestionWindow(): number {
    return this.cwnd;
  }

  /** Transport stats with the client's count of replies that matched no request. */
  transportStats(): TransportStats {
    const s = this.transport.stats();
    return { ...s, badXids: s.badXids + this.unmatchedReplies };
  }

  /** Fail every outstanding call with ESHUTDOWN and close the transport. */
  async shutdown(): Promise<void> {
    if (this.shutdownError === null) this.shutdownError = new RpcError('ESHUTDOWN', 'RPC client shut down');
    const err = this.shutdownError;
    for (const task of [...this.tracked.values(), ...this.backlog]) task.fail(err);
    await this.transport.close();
  }

  private tryReserve(task: RpcTask<unknown>): RpcSlot | null {
    if (this.backlog.length > 0 && this.backlog[0] !== task) return null;
    if (this.inflight >= this.cwnd) return null;
    const slot = this.transport.allocSlot();
    if (slot === null) {
      // A transport may have no slots before its first connection (RDMA sizes its request pool
      // from the device it connects through): connect, then the backlog is woken.
      if (!this.transport.connected) this.requestConnect();
      return null;
    }
    this.inflight++;
    return slot;
  }

  private releaseSlot(slot: RpcSlot): void {
    this.transport.freeSlot(slot);
    this.inflight--;
    this.backlog[0]?.wake();
  }

  private setCongestionWindow(cwnd: number): void {
    const grew = cwnd > this.cwnd;
    this.cwnd = Math.max(1, cwnd);
    if (grew) this.backlog[0]?.wake();
  }

  private onReply(xid: number, reply: XdrBuf): void {
    const task = this.tracked.get(xid);
    if (task === undefined) {
      this.unmatchedReplies++;
      return;
    }
    task.deliverReply(reply);
  }

  private onDisconnect(): void {
    for (const task of this.tracked.values()) task.connectionLost();
  }

  private wakeAll(): void {
    for (const task of this.tracked.values()) task.wake();
  }

  /**
   * Connect while some task needs the connection. The transport paces attempts (backoff); a short
   * pause between failed attempts keeps a transport that fails at once from spinning.
   */
  private requestConnect(): void {
    if (this.connecting || this.shutdownError !== null) return;
    this.connecting = true;
    const attempt = async (): Promise<void> => {
      // Let the caller finish queueing its task (tryReserve joins the backlog after returning).
      await Promise.resolve();
      while (
        !this.transport.connected &&
        (this.tracked.size > 0 || this.backlog.length > 0) &&
        this.shutdownError === null
      ) {
        try {
          await this.transport.connect();
          this.lastConnectError = null;
        } catch (err) {
          this.lastConnectError = err as TransportError;
          if (this.lastConnectError.code === 'ESHUTDOWN') {
            // Closed under us: nothing will ever connect; fail what waits instead of spinning.
            const failure = new RpcError('ESHUTDOWN', 'transport closed', { cause: err });
            for (const task of [...this.tracked.values(), ...this.backlog]) task.fail(failure);
            break;
          }
          await new Promise<void>((resolve) =>
            this.host.scheduler.setTimer(this.reconnectPauseNs, resolve, 'rpc reconnect pause'),
          );
        }
      }
      this.connecting = false;
      this.wakeAll();
      // A transport without slots before connecting has some now.
      this.backlog[0]?.wake();
    };
    void attempt();
  }

  /** The error of the last failed connection attempt, if the last attempt failed. */
  get connectError(): TransportError | null {
    return this.lastConnectError;
  }
}
