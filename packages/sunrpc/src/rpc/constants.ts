/** ONC RPC protocol numbers, RFC 5531 §9 (the RPC message protocol) and §8.2 (authentication). */

/** rpcvers this implementation speaks (RFC 5531 §9: `rpcvers` must be 2). */
export const RPC_VERSION = 2;

/** msg_type (RFC 5531 §9). */
export const MsgType = { CALL: 0, REPLY: 1 } as const;
export type MsgType = (typeof MsgType)[keyof typeof MsgType];

/** reply_stat (RFC 5531 §9). */
export const ReplyStat = { MSG_ACCEPTED: 0, MSG_DENIED: 1 } as const;
export type ReplyStat = (typeof ReplyStat)[keyof typeof ReplyStat];

/** accept_stat (RFC 5531 §9). */
export const AcceptStat = {
  SUCCESS: 0,
  PROG_UNAVAIL: 1,
  PROG_MISMATCH: 2,
  PROC_UNAVAIL: 3,
  GARBAGE_ARGS: 4,
  SYSTEM_ERR: 5,
} as const;
export type AcceptStat = (typeof AcceptStat)[keyof typeof AcceptStat];

/** reject_stat (RFC 5531 §9). */
export const RejectStat = { RPC_MISMATCH: 0, AUTH_ERROR: 1 } as const;
export type RejectStat = (typeof RejectStat)[keyof typeof RejectStat];

/** auth_stat (RFC 5531 §9; 7 and 8 are the RPCSEC_GSS additions listed there). */
export const AuthStat = {
  AUTH_OK: 0,
  AUTH_BADCRED: 1,
  AUTH_REJECTEDCRED: 2,
  AUTH_BADVERF: 3,
  AUTH_REJECTEDVERF: 4,
  AUTH_TOOWEAK: 5,
  AUTH_INVALIDRESP: 6,
  AUTH_FAILED: 7,
  RPCSEC_GSS_CREDPROBLEM: 13,
  RPCSEC_GSS_CTXPROBLEM: 14,
} as const;
export type AuthStat = (typeof AuthStat)[keyof typeof AuthStat];

/** auth_flavor (RFC 5531 §8.2 and the IANA registry it points to). */
export const AuthFlavor = { AUTH_NONE: 0, AUTH_SYS: 1, AUTH_SHORT: 2, AUTH_DH: 3, RPCSEC_GSS: 6 } as const;
export type AuthFlavor = (typeof AuthFlavor)[keyof typeof AuthFlavor];

/** opaque_auth body<400> (RFC 5531 §8.2). */
export const MAX_AUTH_BYTES = 400;
/** authsys_parms machinename<255> (RFC 5531 Appendix A). */
export const AUTH_SYS_MAX_MACHINE_NAME = 255;
/** authsys_parms gids<16> (RFC 5531 Appendix A). */
export const AUTH_SYS_MAX_GIDS = 16;

export const MSG_TYPES: ReadonlySet<number> = new Set(Object.values(MsgType));
export const REPLY_STATS: ReadonlySet<number> = new Set(Object.values(ReplyStat));
export const ACCEPT_STATS: ReadonlySet<number> = new Set(Object.values(AcceptStat));
export const REJECT_STATS: ReadonlySet<number> = new Set(Object.values(RejectStat));
export const AUTH_STATS: ReadonlySet<number> = new Set(Object.values(AuthStat));

/** Name of a numeric status, for messages (`PROG_MISMATCH`, `AUTH_BADCRED`…). */
export function statName(table: Readonly<Record<string, number>>, value: number): string {
  for (const [name, v] of Object.entries(table)) if (v === value) return name;
  return String(value);
}
