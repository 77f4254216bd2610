import type { XdrDecoder } from '../xdr/decoder.js';
import type { XdrEncoder } from '../xdr/encoder.js';
import { XdrError } from '../xdr/errors.js';
import { decodeOpaqueAuth, encodeOpaqueAuth, type OpaqueAuth } from './auth.js';
import {
  ACCEPT_STATS,
  AcceptStat,
  AUTH_STATS,
  type AuthStat,
  MSG_TYPES,
  MsgType,
  REJECT_STATS,
  REPLY_STATS,
  RejectStat,
  ReplyStat,
  RPC_VERSION,
} from './constants.js';
import type { MismatchInfo } from './errors.js';

/** call_body (RFC 5531 §9) with the xid; the procedure arguments follow it in the stream. */
export interface CallHeader {
  readonly type: typeof MsgType.CALL;
  readonly xid: number;
  readonly rpcvers: number;
  readonly prog: number;
  readonly vers: number;
  readonly proc: number;
  readonly cred: OpaqueAuth;
  readonly verf: OpaqueAuth;
}

/** accepted_reply (RFC 5531 §9); on SUCCESS the results follow it in the stream. */
export interface AcceptedReplyHeader {
  readonly type: typeof MsgType.REPLY;
  readonly replyStat: typeof ReplyStat.MSG_ACCEPTED;
  readonly xid: number;
  readonly verf: OpaqueAuth;
  readonly acceptStat: AcceptStat;
  /** Present for PROG_MISMATCH. */
  readonly mismatch?: MismatchInfo;
}

/** rejected_reply (RFC 5531 §9). */
export interface DeniedReplyHeader {
  readonly type: typeof MsgType.REPLY;
  readonly replyStat: typeof ReplyStat.MSG_DENIED;
  readonly xid: number;
  readonly rejectStat: RejectStat;
  /** Present for RPC_MISMATCH. */
  readonly mismatch?: MismatchInfo;
  /** Present for AUTH_ERROR. */
  readonly authStat?: AuthStat;
}

export type ReplyHeader = AcceptedReplyHeader | DeniedReplyHeader;
export type RpcMessageHeader = CallHeader | ReplyHeader;

export interface CallHeaderFields {
  readonly xid: number;
  readonly prog: number;
  readonly vers: number;
  readonly proc: number;
  readonly cred: OpaqueAuth;
  readonly verf: OpaqueAuth;
}

/** Writes rpc_msg with a CALL body up to (not including) the arguments. */
export function encodeCallHeader(enc: XdrEncoder, call: CallHeaderFields): void {
  enc.writeUint(call.xid, 'rpc_msg.xid');
  enc.writeUint(MsgType.CALL);
  enc.writeUint(RPC_VERSION);
  enc.writeUint(call.prog, 'call_body.prog');
  enc.writeUint(call.vers, 'call_body.vers');
  enc.writeUint(call.proc, 'call_body.proc');
  encodeOpaqueAuth(enc, call.cred, 'call_body.cred');
  encodeOpaqueAuth(enc, call.verf, 'call_body.verf');
}

/** Writes an accepted reply header; results (for SUCCESS) follow. */
export function encodeAcceptedReplyHeader(
  enc: XdrEncoder,
  xid: number,
  verf: OpaqueAuth,
  acceptStat: AcceptStat,
  mismatch?: MismatchInfo,
): void {
  enc.writeUint(xid, 'rpc_msg.xid');
  enc.writeUint(MsgType.REPLY);
  enc.writeUint(ReplyStat.MSG_ACCEPTED);
  encodeOpaqueAuth(enc, verf, 'accepted_reply.verf');
  enc.writeUint(acceptStat, 'accepted_reply.stat');
  if (acceptStat === AcceptStat.PROG_MISMATCH) {
    if (mismatch === undefined) {
      throw new XdrError(
        'EINVAL',
        'accepted_reply.mismatch_info',
        enc.length,
        'PROG_MISMATCH needs low and high',
        'encode',
      );
    }
    enc.writeUint(mismatch.low, 'mismatch_info.low');
    enc.writeUint(mismatch.high, 'mismatch_info.high');
  }
}

/** Writes a complete denied reply. */
export function encodeDeniedReply(
  enc: XdrEncoder,
  xid: number,
  rejectStat: RejectStat,
  detail: { mismatch?: MismatchInfo; authStat?: AuthStat },
): void {
  enc.writeUint(xid, 'rpc_msg.xid');
  enc.writeUint(MsgType.REPLY);
  enc.writeUint(ReplyStat.MSG_DENIED);
  enc.writeUint(rejectStat, 'rejected_reply.stat');
  if (rejectStat === RejectStat.RPC_MISMATCH) {
    const m = detail.mismatch ?? { low: RPC_VERSION, high: RPC_VERSION };
    enc.writeUint(m.low, 'mismatch_info.low');
    enc.writeUint(m.high, 'mismatch_info.high');
  } else {
    if (detail.authStat === undefined) {
      throw new XdrError(
        'EINVAL',
        'rejected_reply.auth_stat',
        enc.length,
        'AUTH_ERROR needs an auth_stat',
        'encode',
      );
    }
    enc.writeUint(detail.authStat, 'rejected_reply.auth_stat');
  }
}

/**
 * Reads an rpc_msg header: a call up to its arguments, or a reply up to its results. The decoder
 * is left at the arguments / results. Throws XdrError on anything malformed (an unknown
 * msg_type, reply_stat, accept_stat, reject_stat or auth_stat is EINVAL).
 */
export function decodeMessageHeader(dec: XdrDecoder): RpcMessageHeader {
  const xid = dec.readUint('rpc_msg.xid');
  const type = dec.readEnum('rpc_msg.mtype', MSG_TYPES);
  if (type === MsgType.CALL) return decodeCallBody(dec, xid);
  return decodeReplyBody(dec, xid);
}

/** Reads a call header; a reply in its place is EINVAL. */
export function decodeCallHeader(dec: XdrDecoder): CallHeader {
  const at = dec.offset;
  const msg = decodeMessageHeader(dec);
  if (msg.type !== MsgType.CALL) throw new XdrError('EINVAL', 'rpc_msg.mtype', at + 4, 'expected a CALL');
  return msg;
}

/** Reads a reply header; a call in its place is EINVAL. */
export function decodeReplyHeader(dec: XdrDecoder): ReplyHeader {
  const at = dec.offset;
  const msg = decodeMessageHeader(dec);
  if (msg.type !== MsgType.REPLY) throw new XdrError('EINVAL', 'rpc_msg.mtype', at + 4, 'expected a REPLY');
  return msg;
}

function decodeCallBody(dec: XdrDecoder, xid: number): CallHeader {
  // rpcvers is read as a plain number: a server answers a wrong one with RPC_MISMATCH.
  const rpcvers = dec.readUint('call_body.rpcvers');
  const prog = dec.readUint('call_body.prog');
  const vers = dec.readUint('call_body.vers');
  const proc = dec.readUint('call_body.proc');
  const cred = decodeOpaqueAuth(dec, 'call_body.cred');
  const verf = decodeOpaqueAuth(dec, 'call_body.verf');
  return { type: MsgType.CALL, xid, rpcvers, prog, vers, proc, cred, verf };
}

function decodeReplyBody(dec: XdrDecoder, xid: number): ReplyHeader {
  const replyStat = dec.readEnum('reply_body.stat', REPLY_STATS);
  if (replyStat === ReplyStat.MSG_ACCEPTED) {
    const verf = decodeOpaqueAuth(dec, 'accepted_reply.verf');
    const acceptStat = dec.readEnum('accepted_reply.stat', ACCEPT_STATS) as AcceptStat;
    if (acceptStat === AcceptStat.PROG_MISMATCH) {
      const low = dec.readUint('mismatch_info.low');
      const high = dec.readUint('mismatch_info.high');
      return { type: MsgType.REPLY, replyStat, xid, verf, acceptStat, mismatch: { low, high } };
    }
    return { type: MsgType.REPLY, replyStat, xid, verf, acceptStat };
  }
  const rejectStat = dec.readEnum('rejected_reply.stat', REJECT_STATS) as RejectStat;
  if (rejectStat === RejectStat.RPC_MISMATCH) {
    const low = dec.readUint('mismatch_info.low');
    const high = dec.readUint('mismatch_info.high');
    return { type: MsgType.REPLY, replyStat: ReplyStat.MSG_DENIED, xid, rejectStat, mismatch: { low, high } };
  }
  const authStat = dec.readEnum('rejected_reply.auth_stat', AUTH_STATS) as AuthStat;
  return { type: MsgType.REPLY, replyStat: ReplyStat.MSG_DENIED, xid, rejectStat, authStat };
}
