import { randomBytes } from 'node:crypto';
import type {
  AccessRes,
  CommitRes,
  CreateRes,
  FsinfoRes,
  FsstatRes,
  GetattrRes,
  LookupRes,
  MkdirRes,
  PathconfRes,
  ReaddirplusRes,
  ReaddirRes,
  RemoveRes,
  RenameRes,
  SetattrRes,
  WriteRes,
} from '../codec/nfs3.js';
import { entry3Size, entryplus3Size, READDIR3_OK_OVERHEAD } from '../codec/nfs3.js';
import type {
  AccessArgs,
  AttrFail,
  CommitArgs,
  CreateArgs,
  DirEntryPlus,
  Fattr3,
  FsrootArgs,
  GetattrArgs,
  LookupArgs,
  MkdirArgs,
  Nfs3Result,
  PathconfArgs,
  ReadArgs,
  ReaddirArgs,
  ReaddirplusArgs,
  RemoveArgs,
  RenameArgs,
  Sattr3,
  SetattrArgs,
  WccAttr,
  WccData,
  WriteArgs,
} from '../codec/types.js';
import {
  ACCESS3_ALL,
  Access3,
  Fsf3,
  Ftype3,
  NFS_MAXNAMLEN,
  type Nfs3ErrStat,
  Nfs3Stat,
} from '../constants.js';
import { NfsStatusError } from '../errors.js';
import type { NfsStore, StoreAttrs } from '../store/contract.js';
import type { FileHandleCodec } from './file-handles.js';
import { checkName } from './names.js';

/** One exported store. */
export interface NfsExport {
  /** The path clients MNT ("/export"). */
  readonly path: string;
  readonly store: NfsStore;
}

/** The caller, from its AUTH_SYS credential (AUTH_NONE callers are nobody: 65534). */
export interface Caller {
  readonly uid: number;
  readonly gid: number;
  readonly gids: readonly number[];
}

export interface Nfs3Limits {
  /** Largest READ (FSINFO rtmax). Default 1 MiB. */
  readonly maxRead: number;
  /** Largest WRITE (FSINFO wtmax). Default 1 MiB. */
  readonly maxWrite: number;
  /** Preferred READDIR size (FSINFO dtpref). Default 64 KiB. */
  readonly dirPref: number;
  /** Largest file (FSINFO maxfilesize). Default 2^40. */
  readonly maxFileSize: number;
}

export const DEFAULT_NFS3_LIMITS: Nfs3Limits = {
  maxRead: 1 << 20,
  maxWrite: 1 << 20,
  dirPref: 64 << 10,
  maxFileSize: 2 ** 40,
};

/** A READ result before its data is put into reply pages. */
export type ReadResult = Nfs3Result<
  { readonly attributes?: Fattr3; readonly count: number; readonly eof: boolean; readonly data: Uint8Array },
  AttrFail
>;

interface Resolved {
  readonly exportId: number;
  readonly store: NfsStore;
  readonly id: bigint;
  /** Attributes when the handle was resolved (the pre-operation attributes). */
  readonly attrs: StoreAttrs;
}

const UTF8 = new TextEncoder();

/**
 * The NFSv3 procedures (RFC 1813 §3.3) over a set of exported stores: file handles are checked
 * (NFS3ERR_BADHANDLE) and resolved (NFS3ERR_STALE), names are checked before any store sees them,
 * and every result carries the post-op and wcc attributes the RFC asks for. Failures are results
 * with an nfsstat3, never exceptions; a failure that maps to no status is NFS3ERR_SERVERFAULT.
 */
export class Nfs3Service {
  /** writeverf3: new on every server start, so clients know to resend uncommitted data. */
  readonly writeVerifier: Uint8Array = randomBytes(8);
  private readonly exports: readonly NfsExport[];

  constructor(
    exports: readonly NfsExport[],
    private readonly handles: FileHandleCodec,
    readonly limits: Nfs3Limits = DEFAULT_NFS3_LIMITS,
    private readonly onFault?: (error: unknown) => void,
  ) {
    this.exports = exports;
  }

  /** The root file handle of an export (what MNT answers), or undefined if `path` is not exported. */
  async rootHandle(path: string): Promise<Uint8Array | undefined> {
    const exportId = this.exports.findIndex((e) => e.path === path);
    if (exportId < 0) return undefined;
    const store = this.exports[exportId]!.store;
    const attrs = await store.getattr(store.rootId);
    return this.handleOf(exportId, attrs);
  }

  exportPaths(): readonly string[] {
    return this.exports.map((e) => e.path);
  }

  async getattr(a: GetattrArgs): Promise<GetattrRes> {
    try {
      const r = await this.resolve(a.object);
      return { status: 0, ok: { attributes: this.fattr(r.exportId, r.attrs) } };
    } catch (e) {
      return { status: this.statusOf(e), fail: undefined };
    }
  }

  async setattr(a: SetattrArgs): Promise<SetattrRes> {
    let r: Resolved | undefined;
    let before: WccAttr | undefined;
    try {
      r = await this.resolve(a.object);
      const attrs = r.attrs;
      before = wccAttr(attrs);
      if (
        a.guard !== undefined &&
        (a.guard.seconds !== attrs.ctime.seconds || a.guard.nseconds !== attrs.ctime.nseconds)
      ) {
        throw new NfsStatusError(Nfs3Stat.NFS3ERR_NOT_SYNC, 'ctime guard does not match');
      }
      if (a.attributes.size !== undefined && a.attributes.size > this.limits.maxFileSize) {
        throw new NfsStatusError(
          Nfs3Stat.NFS3ERR_FBIG,
          `size ${a.attributes.size} exceeds the maximum file size`,
        );
      }
      await r.store.setattr(r.id, a.attributes);
      return { status: 0, ok: { wcc: await this.wcc(r, before) } };
    } catch (e) {
      return { status: this.statusOf(e), fail: { wcc: await this.wccAfterFailure(r, before) } };
    }
  }

  async lookup(a: LookupArgs): Promise<LookupRes> {
    let r: Resolved | undefined;
    try {
      r = await this.resolve(a.what.dir);
      checkName(a.what.name, true);
      const id = await r.store.lookup(r.id, a.what.name);
      const attrs = await r.store.getattr(id);
      return {
        status: 0,
        ok: {
          object: this.handleOf(r.exportId, attrs),
          attributes: this.fattr(r.exportId, attrs),
          dirAttributes: await this.postOp(r),
        },
      };
    } catch (e) {
      return { status: this.statusOf(e), fail: { dirAttributes: await this.postOp(r) } };
    }
  }

  async access(a: AccessArgs, caller: Caller): Promise<AccessRes> {
    let r: Resolved | undefined;
    try {
      r = await this.resolve(a.object);
      const attrs = r.attrs;
      return {
        status: 0,
        ok: { attributes: this.fattr(r.exportId, attrs), access: a.access & allowedAccess(attrs, caller) },
      };
    } catch (e) {
      return { status: this.statusOf(e), fail: { attributes: await this.postOp(r) } };
    }
  }

  async read(a: ReadArgs): Promise<ReadResult> {
    let r: Resolved | undefined;
    try {
      r = await this.resolve(a.file);
      const count = Math.min(a.count, this.limits.maxRead);
      const { data, eof } = await r.store.read(r.id, a.offset, count);
      return { status: 0, ok: { attributes: await this.postOp(r), count: data.length, eof, data } };
    } catch (e) {
      return { status: this.statusOf(e), fail: { attributes: await this.postOp(r) } };
    }
  }

  async write(a: WriteArgs & { readonly data: Uint8Array }): Promise<WriteRes> {
    let r: Resolved | undefined;
    let before: WccAttr | undefined;
    try {
      r = await this.resolve(a.file);
      before = wccAttr(r.attrs);
      if (a.data.length < a.count) {
        throw new NfsStatusError(
          Nfs3Stat.NFS3ERR_INVAL,
          `count ${a.count} but only ${a.data.length} data bytes`,
        );
      }
      if (a.count > this.limits.maxWrite) {
        throw new NfsStatusError(
          Nfs3Stat.NFS3ERR_INVAL,
          `count ${a.count} exceeds wtmax ${this.limits.maxWrite}`,
        );
      }
      if (a.offset + a.count > this.limits.maxFileSize) {
        throw new NfsStatusError(Nfs3Stat.NFS3ERR_FBIG, `write past the maximum file size`);
      }
      const committed = await r.store.write(r.id, a.offset, a.data.subarray(0, a.count), a.stable);
      return {
        status: 0,
        ok: { wcc: await this.wcc(r, before), count: a.count, committed, verf: this.writeVerifier },
      };
    } catch (e) {
      return { status: this.statusOf(e), fail: { wcc: await this.wccAfterFailure(r, before) } };
    }
  }

  async create(a: CreateArgs, caller: Caller): Promise<CreateRes> {
    return this.makeObject(a.where.dir, a.where.name, async (r) => {
      const how =
        a.how.mode === 2 ? a.how : { mode: a.how.mode, attributes: ownedBy(a.how.attributes, caller) };
      if (
        how.mode !== 2 &&
        how.attributes.size !== undefined &&
        how.attributes.size > this.limits.maxFileSize
      ) {
        throw new NfsStatusError(Nfs3Stat.NFS3ERR_FBIG, 'size exceeds the maximum file size');
      }
      return r.store.create(r.id, a.where.name, how);
    });
  }

  async mkdir(a: MkdirArgs, caller: Caller): Promise<MkdirRes> {
    return this.makeObject(a.where.dir, a.where.name, (r) =>
      r.store.mkdir(r.id, a.where.name, ownedBy({ ...a.attributes, size: undefined }, caller)),
    );
  }

  async remove(a: RemoveArgs): Promise<RemoveRes> {
    return this.dirChange(a.object.dir, a.object.name, (r) => r.store.remove(r.id, a.object.name));
  }

  async rmdir(a: RemoveArgs): Promise<RemoveRes> {
    return this.dirChange(a.object.dir, a.object.name, (r) => r.store.rmdir(r.id, a.object.name));
  }

  async rename(a: RenameArgs): Promise<RenameRes> {
    let from: Resolved | undefined;
    let to: Resolved | undefined;
    let fromBefore: WccAttr | undefined;
    let toBefore: WccAttr | undefined;
    try {
      from = await this.resolve(a.from.dir);
      to = await this.resolve(a.to.dir);
      fromBefore = wccAttr(from.attrs);
      toBefore = wccAttr(to.attrs);
      checkName(a.from.name);
      checkName(a.to.name);
      if (from.exportId !== to.exportId)
        throw new NfsStatusError(Nfs3Stat.NFS3ERR_XDEV, 'rename across exports');
      await from.store.rename(from.id, a.from.name, to.id, a.to.name);
      return {
        status: 0,
        ok: { fromDirWcc: await this.wcc(from, fromBefore), toDirWcc: await this.wcc(to, toBefore) },
      };
    } catch (e) {
      return {
        status: this.statusOf(e),
        fail: {
          fromDirWcc: await this.wccAfterFailure(from, fromBefore),
          toDirWcc: await this.wccAfterFailure(to, toBefore),
        },
      };
    }
  }

  async readdir(a: ReaddirArgs): Promise<ReaddirRes> {
    let r: Resolved | undefined;
    try {
      r = await this.resolve(a.dir);
      const listing = await r.store.readdir(r.id, a.cookie, a.cookieverf);
      const dirAttributes = await this.postOp(r);
      let room = Math.min(a.count, this.limits.maxRead) - READDIR3_OK_OVERHEAD;
      const entries = [];
      for (const e of listing.entries) {
        const size = entry3Size(UTF8.encode(e.name).length);
        if (size > room) break;
        room -= size;
        entries.push(e);
      }
      if (entries.length === 0 && listing.entries.length > 0) {
        throw new NfsStatusError(Nfs3Stat.NFS3ERR_TOOSMALL, `count ${a.count} cannot hold one entry`);
      }
      const eof = entries.length === listing.entries.length;
      return { status: 0, ok: { dirAttributes, cookieverf: listing.cookieverf, entries, eof } };
    } catch (e) {
      return { status: this.statusOf(e), fail: { attributes: await this.postOp(r) } };
    }
  }

  async readdirplus(a: ReaddirplusArgs): Promise<ReaddirplusRes> {
    let r: Resolved | undefined;
    try {
      r = await this.resolve(a.dir);
      const listing = await r.store.readdir(r.id, a.cookie, a.cookieverf);
      const dirAttributes = await this.postOp(r);
      let room = Math.min(a.maxcount, this.limits.maxRead) - READDIR3_OK_OVERHEAD;
      let dirRoom = a.dircount;
      const entries: DirEntryPlus[] = [];
      for (const e of listing.entries) {
        const nameBytes = UTF8.encode(e.name).length;
        let attrs: StoreAttrs | undefined;
        try {
          attrs = await r.store.getattr(await r.store.lookup(r.id, e.name));
        } catch {
          // Removed between the listing and now: still listed, without attributes or handle.
          attrs = undefined;
        }
        const handle = attrs === undefined ? undefined : this.handleOf(r.exportId, attrs);
        const size = entryplus3Size(nameBytes, attrs !== undefined, handle?.length);
        const dirSize = entry3Size(nameBytes);
        if (size > room || dirSize > dirRoom) break;
        room -= size;
        dirRoom -= dirSize;
        entries.push({ ...e, attributes: attrs && this.fattr(r.exportId, attrs), handle });
      }
      if (entries.length === 0 && listing.entries.length > 0) {
        throw new NfsStatusError(Nfs3Stat.NFS3ERR_TOOSMALL, `maxcount ${a.maxcount} cannot hold one entry`);
      }
      const eof = entries.length === listing.entries.length;
      return { status: 0, ok: { dirAttributes, cookieverf: listing.cookieverf, entries, eof } };
    } catch (e) {
      return { status: this.statusOf(e), fail: { attributes: await this.postOp(r) } };
    }
  }

  async fsstat(a: FsrootArgs): Promise<FsstatRes> {
    let r: Resolved | undefined;
    try {
      r = await this.resolve(a.fsroot);
      const s = await r.store.fsstat();
      return { status: 0, ok: { attributes: await this.postOp(r), ...s, invarsec: 0 } };
    } catch (e) {
      return { status: this.statusOf(e), fail: { attributes: await this.postOp(r) } };
    }
  }

  async fsinfo(a: FsrootArgs): Promise<FsinfoRes> {
    let r: Resolved | undefined;
    try {
      r = await this.resolve(a.fsroot);
      const l = this.limits;
      return {
        status: 0,
        ok: {
          attributes: await this.postOp(r),
          rtmax: l.maxRead,
          rtpref: l.maxRead,
          rtmult: 4096,
          wtmax: l.maxWrite,
          wtpref: l.maxWrite,
          wtmult: 4096,
          dtpref: l.dirPref,
          maxfilesize: BigInt(l.maxFileSize),
          timeDelta: { seconds: 0, nseconds: 1 },
          properties: Fsf3.HOMOGENEOUS | Fsf3.CANSETTIME,
        },
      };
    } catch (e) {
      return { status: this.statusOf(e), fail: { attributes: await this.postOp(r) } };
    }
  }

  async pathconf(a: PathconfArgs): Promise<PathconfRes> {
    let r: Resolved | undefined;
    try {
      r = await this.resolve(a.object);
      return {
        status: 0,
        ok: {
          attributes: await this.postOp(r),
          linkmax: 1,
          nameMax: NFS_MAXNAMLEN,
          noTrunc: true,
          chownRestricted: true,
          caseInsensitive: false,
          casePreserving: true,
        },
      };
    } catch (e) {
      return { status: this.statusOf(e), fail: { attributes: await this.postOp(r) } };
    }
  }

  async commit(a: CommitArgs): Promise<CommitRes> {
    let r: Resolved | undefined;
    let before: WccAttr | undefined;
    try {
      r = await this.resolve(a.file);
      before = wccAttr(r.attrs);
      await r.store.commit(r.id);
      return { status: 0, ok: { wcc: await this.wcc(r, before), verf: this.writeVerifier } };
    } catch (e) {
      return { status: this.statusOf(e), fail: { wcc: await this.wccAfterFailure(r, before) } };
    }
  }

  private async makeObject(
    dirFh: Uint8Array,
    name: string,
    make: (r: Resolved) => Promise<bigint>,
  ): Promise<CreateRes> {
    let r: Resolved | undefined;
    let before: WccAttr | undefined;
    try {
      r = await this.resolve(dirFh);
      before = wccAttr(r.attrs);
      checkName(name);
      const id = await make(r);
      const attrs = await r.store.getattr(id);
      return {
        status: 0,
        ok: {
          object: this.handleOf(r.exportId, attrs),
          attributes: this.fattr(r.exportId, attrs),
          dirWcc: await this.wcc(r, before),
        },
      };
    } catch (e) {
      return { status: this.statusOf(e), fail: { dirWcc: await this.wccAfterFailure(r, before) } };
    }
  }

  private async dirChange(
    dirFh: Uint8Array,
    name: string,
    change: (r: Resolved) => Promise<void>,
  ): Promise<RemoveRes> {
    let r: Resolved | undefined;
    let before: WccAttr | undefined;
    try {
      r = await this.resolve(dirFh);
      before = wccAttr(r.attrs);
      checkName(name);
      await change(r);
      return { status: 0, ok: { dirWcc: await this.wcc(r, before) } };
    } catch (e) {
      return { status: this.statusOf(e), fail: { dirWcc: await this.wccAfterFailure(r, before) } };
    }
  }

  /**
   * The export and live object a handle names: NFS3ERR_BADHANDLE for a handle not made here,
   * NFS3ERR_STALE when the object is gone or its fileid now belongs to a newer object.
   */
  private async resolve(fh: Uint8Array): Promise<Resolved> {
    const target = this.handles.decode(fh);
    const ex = this.exports[target.exportId];
    if (ex === undefined)
      throw new NfsStatusError(Nfs3Stat.NFS3ERR_BADHANDLE, `no export ${target.exportId}`);
    const attrs = await ex.store.getattr(target.fileid);
    if (attrs.generation !== target.generation) {
      throw new NfsStatusError(Nfs3Stat.NFS3ERR_STALE, `object ${target.fileid} was replaced`);
    }
    return { exportId: target.exportId, store: ex.store, id: target.fileid, attrs };
  }

  private handleOf(exportId: number, attrs: StoreAttrs): Uint8Array {
    return this.handles.encode({ exportId, fileid: attrs.fileid, generation: attrs.generation });
  }

  private fattr(exportId: number, s: StoreAttrs): Fattr3 {
    return {
      type: s.type,
      mode: s.mode,
      nlink: s.nlink,
      uid: s.uid,
      gid: s.gid,
      size: s.size,
      used: s.used,
      rdev: { specdata1: 0, specdata2: 0 },
      fsid: BigInt(exportId + 1),
      fileid: s.fileid,
      atime: s.atime,
      mtime: s.mtime,
      ctime: s.ctime,
    };
  }

  private async postOp(r: Resolved | undefined): Promise<Fattr3 | undefined> {
    if (r === undefined) return undefined;
    try {
      return this.fattr(r.exportId, await r.store.getattr(r.id));
    } catch {
      return undefined;
    }
  }

  private async wcc(r: Resolved, before: WccAttr | undefined): Promise<WccData> {
    return { before, after: await this.postOp(r) };
  }

  private async wccAfterFailure(r: Resolved | undefined, before: WccAttr | undefined): Promise<WccData> {
    return { before, after: await this.postOp(r) };
  }

  private statusOf(e: unknown): Nfs3ErrStat {
    if (e instanceof NfsStatusError) return e.status;
    this.onFault?.(e);
    return Nfs3Stat.NFS3ERR_SERVERFAULT;
  }
}

function wccAttr(a: StoreAttrs): WccAttr {
  return { size: a.size, mtime: a.mtime, ctime: a.ctime };
}

function ownedBy(a: Sattr3, caller: Caller): Sattr3 {
  return { ...a, uid: a.uid ?? caller.uid, gid: a.gid ?? caller.gid };
}

/** ACCESS3 bits the mode bits grant `caller` (root gets everything but EXECUTE of a non-executable file). */
function allowedAccess(a: StoreAttrs, caller: Caller): number {
  const isDir = a.type === Ftype3.NF3DIR;
  if (caller.uid === 0) {
    const anyExec = (a.mode & 0o111) !== 0;
    return isDir || anyExec ? ACCESS3_ALL : ACCESS3_ALL & ~Access3.EXECUTE;
  }
  const shift = caller.uid === a.uid ? 6 : caller.gid === a.gid || caller.gids.includes(a.gid) ? 3 : 0;
  const bits = (a.mode >> shift) & 7;
  let out = 0;
  if (bits & 4) out |= Access3.READ;
  if (bits & 2) out |= Access3.MODIFY | Access3.EXTEND | (isDir ? Access3.DELETE : 0);
  if (bits & 1) out |= isDir ? Access3.LOOKUP : Access3.EXECUTE;
  return out;
}
