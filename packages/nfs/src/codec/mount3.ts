import type { XdrDecoder, XdrEncoder } from '@rdmalab/sunrpc';
import { MNTNAMLEN, MNTPATHLEN, MOUNT_STATS, Mount3Proc, type MountStat, NFS3_FHSIZE } from '../constants.js';
import type { ExportEntry, MountResult } from './types.js';

/** Encoder and decoder of one MOUNT v3 procedure (RFC 1813 §5.2). */
export interface Mount3ProcCodec<A, R> {
  readonly proc: Mount3Proc;
  readonly name: string;
  encodeArgs(enc: XdrEncoder, args: A): void;
  decodeArgs(dec: XdrDecoder): A;
  encodeRes(enc: XdrEncoder, res: R): void;
  decodeRes(dec: XdrDecoder): R;
}

/** Longest list of auth flavors accepted in a mountres3 (there are only a handful of flavors). */
const MAX_AUTH_FLAVORS = 64;

const writeDirpath = (enc: XdrEncoder, path: string) => enc.writeString(path, MNTPATHLEN, 'dirpath');
const readDirpath = (dec: XdrDecoder) => dec.readString('dirpath', MNTPATHLEN);

export const MOUNTPROC3_NULL: Mount3ProcCodec<undefined, undefined> = {
  proc: Mount3Proc.NULL,
  name: 'NULL',
  encodeArgs: () => {},
  decodeArgs: () => undefined,
  encodeRes: () => {},
  decodeRes: () => undefined,
};

/** MNT: dirpath → mountres3 (status, then fhandle3 and auth_flavors<> on MNT3_OK). */
export const MOUNTPROC3_MNT: Mount3ProcCodec<string, MountResult> = {
  proc: Mount3Proc.MNT,
  name: 'MNT',
  encodeArgs: writeDirpath,
  decodeArgs: readDirpath,
  encodeRes: (enc, res) => {
    enc.writeEnum(res.status, MOUNT_STATS, 'mountstat3');
    if (res.status === 0) {
      enc.writeOpaque(res.handle, NFS3_FHSIZE, 'mountres3_ok.fhandle');
      enc.writeArray(
        res.authFlavors,
        MAX_AUTH_FLAVORS,
        (e, f) => e.writeUint(f, 'mountres3_ok.auth_flavors'),
        'mountres3_ok.auth_flavors',
      );
    }
  },
  decodeRes: (dec) => {
    const status = dec.readEnum('mountstat3', MOUNT_STATS) as MountStat;
    if (status !== 0) return { status };
    const handle = dec.readOpaque('mountres3_ok.fhandle', NFS3_FHSIZE).slice();
    const authFlavors = dec.readArray('mountres3_ok.auth_flavors', MAX_AUTH_FLAVORS, (d) =>
      d.readUint('mountres3_ok.auth_flavors'),
    );
    return { status: 0, handle, authFlavors };
  },
};

/** UMNT: dirpath → void. */
export const MOUNTPROC3_UMNT: Mount3ProcCodec<string, undefined> = {
  proc: Mount3Proc.UMNT,
  name: 'UMNT',
  encodeArgs: writeDirpath,
  decodeArgs: readDirpath,
  encodeRes: () => {},
  decodeRes: () => undefined,
};

/** EXPORT: void → exports (a linked list of exportnode, each with a linked list of groups). */
export const MOUNTPROC3_EXPORT: Mount3ProcCodec<undefined, readonly ExportEntry[]> = {
  proc: Mount3Proc.EXPORT,
  name: 'EXPORT',
  encodeArgs: () => {},
  decodeArgs: () => undefined,
  encodeRes: (enc, exports) => {
    for (const ex of exports) {
      enc.writeBool(true, 'exports.value_follows');
      writeDirpath(enc, ex.dir);
      for (const g of ex.groups) {
        enc.writeBool(true, 'groups.value_follows');
        enc.writeString(g, MNTNAMLEN, 'groupnode.gr_name');
      }
      enc.writeBool(false, 'groups.value_follows');
    }
    enc.writeBool(false, 'exports.value_follows');
  },
  decodeRes: (dec) => {
    const out: ExportEntry[] = [];
    while (dec.readBool('exports.value_follows')) {
      const dir = readDirpath(dec);
      const groups: string[] = [];
      while (dec.readBool('groups.value_follows'))
        groups.push(dec.readString('groupnode.gr_name', MNTNAMLEN));
      out.push({ dir, groups });
    }
    return out;
  },
};
