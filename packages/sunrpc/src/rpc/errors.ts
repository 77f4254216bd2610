import { AcceptStat, AuthStat, RejectStat, statName } from './constants.js';

/**
 * Stable codes of RPC failures: the RFC 5531 accept/reject status names a server sent (or a
 * handler chose), and errno names for what happened locally.
 * - `ETIMEDOUT` — a soft task hit its major timeout.
 * - `ECANCELED` — the caller's AbortSignal fired.
 * - `ESHUTDOWN` — the client was shut down with the task outstanding.
 * - `EPROTO`    — the reply could not be decoded (bad header, bad verifier, garbage results).
 * - `EEXIST`    — a program/version registered twice on a server.
 * - `ERR_VERS`, `ERR_CHUNK` — the transport's peer answered the call with a transport-level error
 *   instead of an RPC reply (RPC-over-RDMA RDMA_ERROR, RFC 8166 §4.4.3): see RpcTransportReplyError.
 */
export type RpcErrorCode =
  | 'PROG_UNAVAIL'
  | 'PROG_MISMATCH'
  | 'PROC_UNAVAIL'
  | 'GARBAGE_ARGS'
  | 'SYSTEM_ERR'
  | 'RPC_MISMATCH'
  | 'AUTH_ERROR'
  | 'ETIMEDOUT'
  | 'ECANCELED'
  | 'ESHUTDOWN'
  | 'EPROTO'
  | 'EEXIST'
  | 'ERR_VERS'
  | 'ERR_CHUNK';

/** Low and high version numbers a peer supports (PROG_MISMATCH, RPC_MISMATCH). */
export interface MismatchInfo {
  readonly low: number;
  readonly high: number;
}

/** Base of every RPC-level failure. */
export class RpcError extends Error {
  override readonly name: string = 'RpcError';
  constructor(
    readonly code: RpcErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type AcceptErrorStat = Exclude<AcceptStat, typeof AcceptStat.SUCCESS>;

/**
 * The server accepted the call but did not run it (MSG_ACCEPTED with an accept_stat other than
 * SUCCESS). Thrown by a server handler, it selects the reply the server sends.
 */
export class RpcAcceptedError extends RpcError {
  override readonly name = 'RpcAcceptedError';
  constructor(
    readonly acceptStat: AcceptErrorStat,
    /** The supported version range, for PROG_MISMATCH. */
    readonly mismatch?: MismatchInfo,
    detail?: string,
  ) {
    const code = statName(AcceptStat, acceptStat) as RpcErrorCode;
    const range = mismatch ? ` (supported ${mismatch.low}..${mismatch.high})` : '';
    super(code, `${code}${range}${detail ? `: ${detail}` : ''}`);
  }
}

/**
 * The server denied the call (MSG_DENIED): RPC_MISMATCH with the versions it speaks, or
 * AUTH_ERROR with the auth_stat. Thrown by a server handler (AUTH_ERROR), it selects the reply.
 */
export class RpcDeniedError extends RpcError {
  override readonly name = 'RpcDeniedError';
  constructor(
    readonly rejectStat: RejectStat,
    readonly mismatch?: MismatchInfo,
    readonly authStat?: AuthStat,
  ) {
    const code = statName(RejectStat, rejectStat) as RpcErrorCode;
    const why =
      rejectStat === RejectStat.AUTH_ERROR
        ? ` (${statName(AuthStat, authStat ?? 0)})`
        : mismatch
          ? ` (supported ${mismatch.low}..${mismatch.high})`
          : '';
    super(code, `${code}${why}`);
  }

  /** An AUTH_ERROR denial with the given auth_stat. */
  static auth(authStat: AuthStat): RpcDeniedError {
    return new RpcDeniedError(RejectStat.AUTH_ERROR, undefined, authStat);
  }
}

/**
 * Codes of a transport-level error reply (the rdma_err names of RFC 8166 §4.4.3):
 * - `ERR_VERS`  — the peer does not speak the transport protocol version of the call; `mismatch`
 *   carries the range it does speak.
 * - `ERR_CHUNK` — the peer could not parse or use the call's chunk lists (or the reply fits neither
 *   inline nor the chunks offered).
 */
export type TransportReplyErrorCode = 'ERR_VERS' | 'ERR_CHUNK';

/**
 * The transport's peer answered a call with a transport-level error instead of an RPC reply (an
 * RPC-over-RDMA RDMA_ERROR). The call fails at once with this error — as the kernel completes the
 * rqst after rpcrdma_decode_error — instead of waiting for a timeout; the connection stays up.
 */
export class RpcTransportReplyError extends RpcError {
  override readonly name = 'RpcTransportReplyError';
  declare readonly code: TransportReplyErrorCode;
  constructor(
    code: TransportReplyErrorCode,
    /** The transport that received the error ("rdma"). */
    readonly transportName: string,
    /** ERR_VERS: the versions the peer speaks. */
    readonly mismatch?: MismatchInfo,
    detail?: string,
  ) {
    const range = mismatch ? ` (peer speaks versions ${mismatch.low}..${mismatch.high})` : '';
    super(code, `${transportName}: ${code}${range}${detail ? `: ${detail}` : ''}`);
  }
}
