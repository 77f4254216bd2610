import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Nfs3Stat } from '../constants.js';
import { NfsStatusError } from '../errors.js';

/** Layout version in the first byte, so a later layout can be told apart. */
const FH_VERSION = 1;
/** version(1) reserved(3) exportId(4) fileid(8) generation(4) mac(16). */
export const FILE_HANDLE_SIZE = 36;
const MAC_OFFSET = 20;
const MAC_SIZE = 16;

/** What a file handle names. */
export interface HandleTarget {
  readonly exportId: number;
  readonly fileid: bigint;
  readonly generation: number;
}

/**
 * Opaque NFS file handles: export id, fileid and generation, sealed with an HMAC-SHA-256 (cut
 * to 128 bits) under a per-server secret. A handle that was not made here — another server's,
 * a forged or truncated one — fails the MAC check and is NFS3ERR_BADHANDLE; the store then
 * decides whether the object still exists (NFS3ERR_STALE). Handles stay valid as long as the
 * secret does: pass the same secret to a restarted server to keep clients' handles working.
 */
export class FileHandleCodec {
  private readonly secret: Uint8Array;

  constructor(secret?: Uint8Array) {
    this.secret = secret ?? randomBytes(32);
  }

  encode(target: HandleTarget): Uint8Array {
    const fh = new Uint8Array(FILE_HANDLE_SIZE);
    const view = new DataView(fh.buffer);
    fh[0] = FH_VERSION;
    view.setUint32(4, target.exportId);
    view.setBigUint64(8, target.fileid);
    view.setUint32(16, target.generation >>> 0);
    fh.set(this.mac(fh.subarray(0, MAC_OFFSET)), MAC_OFFSET);
    return fh;
  }

  /** The target of a handle made by this codec; NFS3ERR_BADHANDLE for anything else. */
  decode(fh: Uint8Array): HandleTarget {
    if (fh.length !== FILE_HANDLE_SIZE || fh[0] !== FH_VERSION) {
      throw new NfsStatusError(
        Nfs3Stat.NFS3ERR_BADHANDLE,
        `file handle of ${fh.length} bytes is not one of ours`,
      );
    }
    const expected = this.mac(fh.subarray(0, MAC_OFFSET));
    if (!timingSafeEqual(expected, fh.subarray(MAC_OFFSET))) {
      throw new NfsStatusError(Nfs3Stat.NFS3ERR_BADHANDLE, 'file handle fails its integrity check');
    }
    const view = new DataView(fh.buffer, fh.byteOffset, fh.byteLength);
    return { exportId: view.getUint32(4), fileid: view.getBigUint64(8), generation: view.getUint32(16) };
  }

  private mac(data: Uint8Array): Uint8Array {
    return createHmac('sha256', this.secret).update(data).digest().subarray(0, MAC_SIZE);
  }
}
