import { XdrDecoder } from '../xdr/decoder.js';
import { XdrEncoder } from '../xdr/encoder.js';
import { AUTH_SYS_MAX_GIDS, AUTH_SYS_MAX_MACHINE_NAME, AuthFlavor, MAX_AUTH_BYTES } from './constants.js';

/** opaque_auth (RFC 5531 §8.2): a flavor and up to 400 bytes of body. */
export interface OpaqueAuth {
  readonly flavor: number;
  readonly body: Uint8Array;
}

/** authsys_parms (RFC 5531 Appendix A). */
export interface AuthSysParams {
  readonly stamp: number;
  /** At most 255 bytes. */
  readonly machineName: string;
  readonly uid: number;
  readonly gid: number;
  /** At most 16 supplementary groups. */
  readonly gids: readonly number[];
}

/** The AUTH_NONE credential/verifier: flavor 0, empty body. */
export const AUTH_NONE: OpaqueAuth = Object.freeze({ flavor: AuthFlavor.AUTH_NONE, body: new Uint8Array(0) });

export function encodeOpaqueAuth(enc: XdrEncoder, auth: OpaqueAuth, field = 'opaque_auth'): void {
  enc.writeUint(auth.flavor, `${field}.flavor`);
  enc.writeOpaque(auth.body, MAX_AUTH_BYTES, `${field}.body`);
}

export function decodeOpaqueAuth(dec: XdrDecoder, field = 'opaque_auth'): OpaqueAuth {
  const flavor = dec.readUint(`${field}.flavor`);
  // Copied: the body outlives the receive buffer it came in (servers keep credentials).
  const body = dec.readOpaque(`${field}.body`, MAX_AUTH_BYTES).slice();
  return { flavor, body };
}

export function encodeAuthSysParams(enc: XdrEncoder, params: AuthSysParams): void {
  enc.writeUint(params.stamp, 'authsys_parms.stamp');
  enc.writeString(params.machineName, AUTH_SYS_MAX_MACHINE_NAME, 'authsys_parms.machinename');
  enc.writeUint(params.uid, 'authsys_parms.uid');
  enc.writeUint(params.gid, 'authsys_parms.gid');
  enc.writeArray(
    params.gids,
    AUTH_SYS_MAX_GIDS,
    (e, g) => e.writeUint(g, 'authsys_parms.gids'),
    'authsys_parms.gids',
  );
}

export function decodeAuthSysParams(dec: XdrDecoder): AuthSysParams {
  const stamp = dec.readUint('authsys_parms.stamp');
  const machineName = dec.readString('authsys_parms.machinename', AUTH_SYS_MAX_MACHINE_NAME);
  const uid = dec.readUint('authsys_parms.uid');
  const gid = dec.readUint('authsys_parms.gid');
  const gids = dec.readArray('authsys_parms.gids', AUTH_SYS_MAX_GIDS, (d) =>
    d.readUint('authsys_parms.gids'),
  );
  return { stamp, machineName, uid, gid, gids };
}

/** An AUTH_SYS opaque_auth built from its parameters. */
export function authSysCredential(params: AuthSysParams): OpaqueAuth {
  const enc = new XdrEncoder({ initialSize: 64 });
  encodeAuthSysParams(enc, params);
  return { flavor: AuthFlavor.AUTH_SYS, body: enc.finish().toBytes() };
}

/** Parse an AUTH_SYS credential body; XdrError if malformed or with bytes left over. */
export function parseAuthSysBody(body: Uint8Array): AuthSysParams {
  const dec = new XdrDecoder(body);
  const params = decodeAuthSysParams(dec);
  dec.assertEnd('authsys_parms');
  return params;
}

/**
 * The client side of an auth flavor (the kernel's rpc_authops): the credential and verifier put
 * on each call, and the check of the verifier a reply carries.
 */
export interface RpcAuth {
  readonly flavor: number;
  credential(): OpaqueAuth;
  verifier(): OpaqueAuth;
  /** Whether a reply verifier is acceptable; a false makes the call fail with EPROTO. */
  validateReplyVerifier(verf: OpaqueAuth): boolean;
}

/** AUTH_NONE (RFC 5531 §10.1). */
export class AuthNone implements RpcAuth {
  readonly flavor = AuthFlavor.AUTH_NONE;
  credential(): OpaqueAuth {
    return AUTH_NONE;
  }
  verifier(): OpaqueAuth {
    return AUTH_NONE;
  }
  validateReplyVerifier(verf: OpaqueAuth): boolean {
    return verf.flavor === AuthFlavor.AUTH_NONE;
  }
}

/**
 * AUTH_SYS (RFC 5531 §10.2): the credential is encoded once. Servers answer with an AUTH_NONE
 * verifier (or AUTH_SHORT, which this client accepts but does not use).
 */
export class AuthSys implements RpcAuth {
  readonly flavor = AuthFlavor.AUTH_SYS;
  readonly params: AuthSysParams;
  private readonly cred: OpaqueAuth;

  constructor(params: Partial<AuthSysParams> & Pick<AuthSysParams, 'uid' | 'gid'>) {
    this.params = {
      stamp: params.stamp ?? (Date.now() / 1000) >>> 0,
      machineName: params.machineName ?? 'localhost',
      uid: params.uid,
      gid: params.gid,
      gids: params.gids ?? [],
    };
    this.cred = authSysCredential(this.params);
  }
  credential(): OpaqueAuth {
    return this.cred;
  }
  verifier(): OpaqueAuth {
    return AUTH_NONE;
  }
  validateReplyVerifier(verf: OpaqueAuth): boolean {
    return verf.flavor === AuthFlavor.AUTH_NONE || verf.flavor === AuthFlavor.AUTH_SHORT;
  }
}
