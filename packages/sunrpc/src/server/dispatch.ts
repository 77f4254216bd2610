import type { Clock } from '@rdmalab/kernel';
import type { AuthSysParams, OpaqueAuth } from '../rpc/auth.js';
import { AUTH_NONE, parseAuthSysBody } from '../rpc/auth.js';
import {
  AcceptStat,
  AuthFlavor,
  AuthStat,
  MsgType,
  RejectStat,
  RPC_VERSION,
  statName,
} from '../rpc/constants.js';
import { type MismatchInfo, RpcAcceptedError, RpcDeniedError, RpcError } from '../rpc/errors.js';
import {
  type CallHeader,
  decodeMessageHeader,
  encodeAcceptedReplyHeader,
  encodeDeniedReply,
} from '../rpc/message.js';
import type { RpcStats } from '../stats/rpc-stats.js';
import { XdrDecoder } from '../xdr/decoder.js';
import { XdrEncoder } from '../xdr/encoder.js';
import { XdrError } from '../xdr/errors.js';
import { XdrBuf } from '../xdr/xdr-buf.js';
import { ReplyCache, type ReplyCacheEntry, type ReplyCacheOptions } from './reply-cache.js';

/** Who sent a call, as far as its credential says. */
export type RpcCredential =
  | { readonly flavor: typeof AuthFlavor.AUTH_NONE }
  | { readonly flavor: typeof AuthFlavor.AUTH_SYS; readonly sys: AuthSysParams };

/** A decoded call as a procedure handler sees it. */
export interface RpcCall {
  readonly xid: number;
  readonly prog: number;
  readonly vers: number;
  readonly proc: number;
  readonly procName: string;
  readonly cred: OpaqueAuth;
  readonly verf: OpaqueAuth;
  readonly credential: RpcCredential;
  /** Positioned at the procedure's arguments. An XdrError while reading them answers GARBAGE_ARGS. */
  readonly args: XdrDecoder;
  /** The whole call message (its page list holds XDRBUF_WRITE payload an RDMA transport pulled). */
  readonly buf: XdrBuf;
  readonly remoteAddress: string;
  readonly connectionId: number;
  /** Run `fn` once the reply has been sent or dropped: release pages handed to the reply. */
  afterReply(fn: () => void): void;
}

/**
 * A procedure: reads its arguments from `call.args` and writes its results into `results`
 * (already positioned after an accepted SUCCESS header; READ data may go in with
 * writeOpaquePages). To answer with an error status, throw RpcAcceptedError (GARBAGE_ARGS,
 * SYSTEM_ERR…) or RpcDeniedError.auth(…); anything else thrown answers SYSTEM_ERR.
 */
export type RpcProcedureHandler = (call: RpcCall, results: XdrEncoder) => void | Promise<void>;

export interface RpcProcedure {
  readonly name: string;
  readonly handler: RpcProcedureHandler;
  /**
   * The procedure is not idempotent (CREATE, REMOVE, WRITE…): keep its replies in the duplicate
   * request cache so a retransmission is answered from there instead of running twice (nfsd's
   * pc_cachetype RC_REPLBUFF). Idempotent procedures leave this unset and simply run again.
   */
  readonly cacheReply?: boolean;
}

/** One version of one program, as a server registers it (svc_program / svc_version). */
export interface RpcProgramVersion {
  readonly program: number;
  readonly version: number;
  readonly name?: string;
  /** By procedure number. Procedure 0 (NULL) is answered automatically unless given here. */
  readonly procedures: Readonly<Record<number, RpcProcedure>>;
}

/** Where a call came from. */
export interface CallOrigin {
  readonly remoteAddress: string;
  readonly connectionId: number;
}

/** What became of one call message. */
export interface DispatchOutcome {
  /** The reply to send, or null when the message is dropped (no xid, a REPLY, a truncated header). */
  readonly reply: XdrBuf | null;
  readonly xid: number;
  /** "SUCCESS", an accept/reject status name, or "DROPPED". */
  readonly status: string;
  /** The reply came from the duplicate request cache: the procedure did not run again. */
  readonly replayed?: boolean;
  /** Callbacks registered with `afterReply`, to run once the reply is sent or dropped. */
  readonly afterReply: readonly (() => void)[];
}

/** Server-wide counters (the kernel's svc_stat: rpccnt, rpcbadfmt, rpcbadauth…). */
export interface DispatchCounters {
  calls: number;
  dropped: number;
  garbageArgs: number;
  progUnavail: number;
  progMismatch: number;
  procUnavail: number;
  systemErr: number;
  rpcMismatch: number;
  authErrors: number;
}

export interface DispatcherOptions {
  /** Times handler execution for stats; wall time by default. */
  readonly clock?: Clock;
  /** Told about handler failures answered with SYSTEM_ERR. */
  readonly onHandlerError?: (error: unknown, call: RpcCall) => void;
  /**
   * Duplicate request cache for procedures marked `cacheReply`: its bounds, or false to run every
   * retransmission again. On by default (it holds nothing unless a program marks procedures).
   */
  readonly replyCache?: ReplyCacheOptions | false;
}

const WALL_CLOCK: Clock = { now: () => Math.round(performance.now() * 1e6) };

const NULL_PROCEDURE: RpcProcedure = { name: 'NULL', handler: () => undefined };

/**
 * Decodes call messages and dispatches them by program, version and procedure, producing the
 * reply RFC 5531 asks for: RPC_MISMATCH for an rpcvers other than 2, AUTH_ERROR for a
 * credential or verifier it cannot accept, PROG_UNAVAIL, PROG_MISMATCH with the version range,
 * PROC_UNAVAIL, GARBAGE_ARGS, SYSTEM_ERR — checked in that order, as Linux svc_process does.
 */
export class RpcDispatcher {
  readonly counters: DispatchCounters = {
    calls: 0,
    dropped: 0,
    garbageArgs: 0,
    progUnavail: 0,
    progMismatch: 0,
    procUnavail: 0,
    systemErr: 0,
    rpcMismatch: 0,
    authErrors: 0,
  };
  /** The duplicate request cache, or null when turned off. */
  readonly replyCache: ReplyCache | null;
  private readonly programs = new Map<number, Map<number, RpcProgramVersion>>();

  private readonly clock: Clock;
  private readonly onHandlerError?: (error: unknown, call: RpcCall) => void;

  constructor(
    private readonly stats: RpcStats,
    options: DispatcherOptions = {},
  ) {
    this.clock = options.clock ?? WALL_CLOCK;
    this.onHandlerError = options.onHandlerError;
    this.replyCache =
      options.replyCache === false ? null : new ReplyCache(this.clock, options.replyCache ?? {});
  }

  register(def: RpcProgramVersion): void {
    let versions = this.programs.get(def.program);
    if (versions === undefined) {
      versions = new Map();
      this.programs.set(def.program, versions);
    }
    if (versions.has(def.version)) {
      throw new RpcError('EEXIST', `program ${def.program} version ${def.version} is already registered`);
    }
    versions.set(def.version, def);
    this.stats.nameProgram(def.program, def.version, def.name ?? `prog${def.program}`);
  }

  unregister(program: number, version: number): boolean {
    return this.programs.get(program)?.delete(version) ?? false;
  }

  /** Process one call message. Never throws: every failure is a reply status or a drop. */
  async dispatch(buf: XdrBuf, origin: CallOrigin): Promise<DispatchOutcome> {
    const dec = new XdrDecoder(buf);
    let header: CallHeader;
    const xid = buf.length >= 4 ? readXid(buf) : -1;
    try {
      const msg = decodeMessageHeader(dec);
      if (msg.type !== MsgType.CALL) return this.drop(msg.xid);
      header = msg;
    } catch (err) {
      // Without a complete header there is nobody to answer reliably; a bad credential is the
      // exception, answered AUTH_BADCRED as Linux does.
      if (err instanceof XdrError && xid >= 0 && /^call_body\.(cred|verf)/.test(err.field)) {
        return this.denied(xid, RejectStat.AUTH_ERROR, { authStat: AuthStat.AUTH_BADCRED });
      }
      return this.drop(xid);
    }
    this.counters.calls++;
    if (header.rpcvers !== RPC_VERSION) {
      return this.denied(header.xid, RejectStat.RPC_MISMATCH, {
        mismatch: { low: RPC_VERSION, high: RPC_VERSION },
      });
    }
    const auth = authenticate(header);
    if (typeof auth === 'number') return this.denied(header.xid, RejectStat.AUTH_ERROR, { authStat: auth });

    const versions = this.programs.get(header.prog);
    if (versions === undefined || versions.size === 0) {
      return this.accepted(header.xid, AcceptStat.PROG_UNAVAIL);
    }
    const def = versions.get(header.vers);
    if (def === undefined) {
      const known = [...versions.keys()];
      return this.accepted(header.xid, AcceptStat.PROG_MISMATCH, {
        low: Math.min(...known),
        high: Math.max(...known),
      });
    }
    const procedure = Object.hasOwn(def.procedures, header.proc)
      ? def.procedures[header.proc]!
      : header.proc === 0
        ? NULL_PROCEDURE
        : undefined;
    if (procedure === undefined) return this.accepted(header.xid, AcceptStat.PROC_UNAVAIL);
    if (procedure.cacheReply !== true || this.replyCache === null) {
      return this.run(header, auth, procedure, dec, buf, origin);
    }
    return this.runCached(this.replyCache, header, auth, procedure, dec, buf, origin);
  }

  /** nfsd_cache_lookup → run → nfsd_cache_update, for a non-idempotent procedure. */
  private async runCached(
    cache: ReplyCache,
    header: CallHeader,
    credential: RpcCredential,
    procedure: RpcProcedure,
    args: XdrDecoder,
    buf: XdrBuf,
    origin: CallOrigin,
  ): Promise<DispatchOutcome> {
    const found = cache.lookup(cache.keyOf(origin.remoteAddress, header, buf, args.offset));
    if (found.kind === 'in-progress') return this.drop(header.xid);
    if (found.kind === 'hit') {
      return {
        reply: XdrBuf.fromBytes(found.reply),
        xid: header.xid,
        status: 'SUCCESS',
        replayed: true,
        afterReply: [],
      };
    }
    const entry: ReplyCacheEntry = found.entry;
    let outcome: DispatchOutcome;
    try {
      outcome = await this.run(header, credential, procedure, args, buf, origin);
    } catch (err) {
      cache.abandon(entry);
      throw err;
    }
    // Only a procedure's own answer is kept; an RPC-level error (GARBAGE_ARGS, SYSTEM_ERR) is
    // not, so a retransmission tries again, as nfsd's RC_NOCACHE on a failed dispatch.
    if (outcome.status === 'SUCCESS' && outcome.reply !== null) cache.complete(entry, outcome.reply);
    else cache.abandon(entry);
    return outcome;
  }

  private async run(
    header: CallHeader,
    credential: RpcCredential,
    procedure: RpcProcedure,
    args: XdrDecoder,
    buf: XdrBuf,
    origin: CallOrigin,
  ): Promise<DispatchOutcome> {
    const afterReply: (() => void)[] = [];
    const call: RpcCall = {
      xid: header.xid,
      prog: header.prog,
      vers: header.vers,
      proc: header.proc,
      procName: procedure.name,
      cred: header.cred,
      verf: header.verf,
      credential,
      args,
      buf,
      remoteAddress: origin.remoteAddress,
      connectionId: origin.connectionId,
      afterReply: (fn) => afterReply.push(fn),
    };
    const op = this.stats.op(header.prog, header.vers, header.proc, procedure.name);
    const started = this.clock.now();
    const results = new XdrEncoder({ initialSize: 512 });
    encodeAcceptedReplyHeader(results, header.xid, AUTH_NONE, AcceptStat.SUCCESS);
    let outcome: DispatchOutcome;
    try {
      await procedure.handler(call, results);
      outcome = { reply: results.finish(), xid: header.xid, status: 'SUCCESS', afterReply };
    } catch (err) {
      op.errors++;
      outcome = { ...this.errorReply(header.xid, err, call), afterReply };
    }
    op.ops++;
    op.executeNs += this.clock.now() - started;
    op.bytesReceived += buf.length;
    op.bytesSent += outcome.reply?.length ?? 0;
    return outcome;
  }

  private errorReply(xid: number, err: unknown, call: RpcCall): DispatchOutcome {
    if (err instanceof RpcDeniedError) {
      return this.denied(xid, err.rejectStat, { mismatch: err.mismatch, authStat: err.authStat });
    }
    if (err instanceof RpcAcceptedError) return this.accepted(xid, err.acceptStat, err.mismatch);
    if (err instanceof XdrError && err.direction === 'decode')
      return this.accepted(xid, AcceptStat.GARBAGE_ARGS);
    this.onHandlerError?.(err, call);
    return this.accepted(xid, AcceptStat.SYSTEM_ERR);
  }

  private accepted(xid: number, stat: Exclude<AcceptStat, 0>, mismatch?: MismatchInfo): DispatchOutcome {
    const c = this.counters;
    if (stat === AcceptStat.GARBAGE_ARGS) c.garbageArgs++;
    else if (stat === AcceptStat.PROG_UNAVAIL) c.progUnavail++;
    else if (stat === AcceptStat.PROG_MISMATCH) c.progMismatch++;
    else if (stat === AcceptStat.PROC_UNAVAIL) c.procUnavail++;
    else c.systemErr++;
    const enc = new XdrEncoder({ initialSize: 64 });
    encodeAcceptedReplyHeader(enc, xid, AUTH_NONE, stat, mismatch);
    return { reply: enc.finish(), xid, status: statName(AcceptStat, stat), afterReply: [] };
  }

  private denied(
    xid: number,
    stat: RejectStat,
    detail: { mismatch?: MismatchInfo; authStat?: AuthStat },
  ): DispatchOutcome {
    if (stat === RejectStat.RPC_MISMATCH) this.counters.rpcMismatch++;
    else this.counters.authErrors++;
    const enc = new XdrEncoder({ initialSize: 32 });
    encodeDeniedReply(enc, xid, stat, detail);
    return { reply: enc.finish(), xid, status: statName(RejectStat, stat), afterReply: [] };
  }

  private drop(xid: number): DispatchOutcome {
    this.counters.dropped++;
    return { reply: null, xid, status: 'DROPPED', afterReply: [] };
  }
}

/** The caller's identity, or the auth_stat to refuse it with. */
function authenticate(header: CallHeader): RpcCredential | AuthStat {
  const { cred, verf } = header;
  // AUTH_NONE and AUTH_SYS calls carry an AUTH_NONE verifier (RFC 5531 §10.1, §10.2).
  if (cred.flavor === AuthFlavor.AUTH_NONE || cred.flavor === AuthFlavor.AUTH_SYS) {
    if (verf.flavor !== AuthFlavor.AUTH_NONE || verf.body.length !== 0) return AuthStat.AUTH_BADVERF;
  }
  if (cred.flavor === AuthFlavor.AUTH_NONE) {
    return cred.body.length === 0 ? { flavor: AuthFlavor.AUTH_NONE } : AuthStat.AUTH_BADCRED;
  }
  if (cred.flavor === AuthFlavor.AUTH_SYS) {
    try {
      return { flavor: AuthFlavor.AUTH_SYS, sys: parseAuthSysBody(cred.body) };
    } catch {
      return AuthStat.AUTH_BADCRED;
    }
  }
  return AuthStat.AUTH_BADCRED;
}

function readXid(buf: XdrBuf): number {
  return new XdrDecoder(buf).readUint('rpc_msg.xid');
}
