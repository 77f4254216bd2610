import { RpcStats } from '../stats/rpc-stats.js';
import type { ReceivedCall, ServerTransport } from '../transport/contract.js';
import type { TransportError } from '../transport/errors.js';
import { type DispatcherOptions, RpcDispatcher, type RpcProgramVersion } from './dispatch.js';
import type { ReplyCache } from './reply-cache.js';

export interface RpcServerOptions extends DispatcherOptions {
  /** Per-procedure statistics; a fresh store by default. */
  readonly stats?: RpcStats;
  /** Told when a connection ends on a fault (oversized record, reset). */
  readonly onConnectionError?: (error: TransportError, remoteAddress: string) => void;
  /** Told when an `afterReply` callback throws. */
  readonly onAfterReplyError?: (error: unknown) => void;
}

/** Counters of the reply path. */
export interface RpcServerCounters {
  readonly replies: number;
  /** Replies that could not be sent (the connection was gone). */
  readonly replyFailures: number;
  readonly connections: number;
  readonly connectionErrors: number;
  /** `afterReply` callbacks that threw. */
  readonly afterReplyFailures: number;
}

/**
 * An ONC RPC server: programs are registered with {@link addProgram}; each server transport it
 * listens on delivers calls, which the dispatcher answers. Calls are handled concurrently; a
 * fault on one connection (garbage, an oversized record) never stops the others.
 */
export class RpcServer {
  readonly stats: RpcStats;
  readonly dispatcher: RpcDispatcher;
  private readonly transports: ServerTransport[] = [];
  private readonly options: RpcServerOptions;
  private replies = 0;
  private replyFailures = 0;
  private connections = 0;
  private connectionErrors = 0;
  private afterReplyFailures = 0;

  constructor(options: RpcServerOptions = {}) {
    this.options = options;
    this.stats = options.stats ?? new RpcStats();
    this.dispatcher = new RpcDispatcher(this.stats, options);
  }

  /** Serve a program version. RpcError EEXIST if it is already served. */
  addProgram(def: RpcProgramVersion): this {
    this.dispatcher.register(def);
    return this;
  }

  /** Start serving on a transport; resolves with the address it is bound to. */
  async listen(transport: ServerTransport): Promise<{ host: string; port: number }> {
    const address = await transport.listen({
      onConnection: () => {
        this.connections++;
      },
      onCall: (call) => void this.handle(call),
      onConnectionClosed: (connection, error) => {
        if (error === undefined) return;
        this.connectionErrors++;
        this.options.onConnectionError?.(error, connection.remoteAddress);
      },
    });
    this.transports.push(transport);
    return address;
  }

  /** The duplicate request cache (hits, misses, drops, evictions), or null when turned off. */
  get replyCache(): ReplyCache | null {
    return this.dispatcher.replyCache;
  }

  get counters(): RpcServerCounters {
    return {
      replies: this.replies,
      replyFailures: this.replyFailures,
      connections: this.connections,
      connectionErrors: this.connectionErrors,
      afterReplyFailures: this.afterReplyFailures,
    };
  }

  /** Stop every transport this server listens on. */
  async close(): Promise<void> {
    const all = this.transports.splice(0);
    await Promise.all(all.map((t) => t.close()));
  }

  /** Dispatch one call and send its reply. Never rejects: a failure is counted, never thrown. */
  private async handle(call: ReceivedCall): Promise<void> {
    const connection = call.connection;
    const outcome = await this.dispatcher.dispatch(call.buf, {
      remoteAddress: connection.remoteAddress,
      connectionId: connection.id,
    });
    try {
      if (outcome.reply === null) {
        connection.dropCall(call);
      } else {
        await connection.sendReply(call, outcome.reply);
        this.replies++;
      }
    } catch {
      this.replyFailures++;
    }
    for (const fn of outcome.afterReply) {
      try {
        fn();
      } catch (err) {
        this.afterReplyFailures++;
        this.options.onAfterReplyError?.(err);
      }
    }
  }
}
