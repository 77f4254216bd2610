import type { XdrPageRange } from '@rdmalab/sunrpc';
import type { CreateMode, Ftype3, MountStat, Nfs3ErrStat, StableHow } from '../constants.js';

/** nfstime3 (RFC 1813 §2.6). */
export interface NfsTime {
  readonly seconds: number;
  readonly nseconds: number;
}

/** specdata3 (RFC 1813 §2.6): device major/minor for block and character files. */
export interface SpecData {
  readonly specdata1: number;
  readonly specdata2: number;
}

/** fattr3 (RFC 1813 §2.6). Sizes are numbers (ERANGE above 2^53); ids are bigints. */
export interface Fattr3 {
  readonly type: Ftype3;
  /** Permission bits and setuid/setgid/sticky (no file type bits). */
  readonly mode: number;
  readonly nlink: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly used: number;
  readonly rdev: SpecData;
  readonly fsid: bigint;
  readonly fileid: bigint;
  readonly atime: NfsTime;
  readonly mtime: NfsTime;
  readonly ctime: NfsTime;
}

/** How sattr3 sets a time: to the server's clock, or to a time the client gives. */
export type SetTime = 'server' | NfsTime;

/** sattr3 (RFC 1813 §2.6): each absent field is "don't change". */
export interface Sattr3 {
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly size?: number;
  readonly atime?: SetTime;
  readonly mtime?: SetTime;
}

/** wcc_attr (RFC 1813 §2.6): the pre-operation attributes. */
export interface WccAttr {
  readonly size: number;
  readonly mtime: NfsTime;
  readonly ctime: NfsTime;
}

/** wcc_data (RFC 1813 §2.6): attributes before and after an operation, each optional. */
export interface WccData {
  readonly before?: WccAttr;
  readonly after?: Fattr3;
}

/** diropargs3 (RFC 1813 §2.6). */
export interface DirOpArgs {
  readonly dir: Uint8Array;
  readonly name: string;
}

/** Bytes that stay in the caller's pages (page cache) — the XdrBuf page list on the wire. */
export type PayloadBytes = Uint8Array | XdrPageRange;

/**
 * A procedure result: NFS3_OK with the resok arm, or an error status with the resfail arm.
 */
export type Nfs3Result<Ok, Fail> =
  | { readonly status: 0; readonly ok: Ok }
  | { readonly status: Nfs3ErrStat; readonly fail: Fail };

/** A resfail arm that carries only post-op attributes of the object. */
export interface AttrFail {
  readonly attributes?: Fattr3;
}

export interface WccFail {
  readonly wcc: WccData;
}

export interface GetattrArgs {
  readonly object: Uint8Array;
}
export interface GetattrOk {
  readonly attributes: Fattr3;
}

export interface SetattrArgs {
  readonly object: Uint8Array;
  readonly attributes: Sattr3;
  /** sattrguard3: apply only if the object's ctime still equals this. */
  readonly guard?: NfsTime;
}

export interface LookupArgs {
  readonly what: DirOpArgs;
}
export interface LookupOk {
  readonly object: Uint8Array;
  readonly attributes?: Fattr3;
  readonly dirAttributes?: Fattr3;
}
export interface LookupFail {
  readonly dirAttributes?: Fattr3;
}

export interface AccessArgs {
  readonly object: Uint8Array;
  readonly access: number;
}
export interface AccessOk {
  readonly attributes?: Fattr3;
  readonly access: number;
}

export interface ReadArgs {
  readonly file: Uint8Array;
  readonly offset: number;
  readonly count: number;
}
export interface ReadOk {
  readonly attributes?: Fattr3;
  readonly count: number;
  readonly eof: boolean;
  /** Decoded: a copy, or (with a destination) the page range the data was placed in. */
  readonly data: PayloadBytes;
}

export interface WriteArgs {
  readonly file: Uint8Array;
  readonly offset: number;
  readonly count: number;
  readonly stable: StableHow;
  readonly data: PayloadBytes;
}
export interface WriteOk {
  readonly wcc: WccData;
  readonly count: number;
  readonly committed: StableHow;
  /** writeverf3: changes when the server restarts (RFC 1813 §3.3.7). */
  readonly verf: Uint8Array;
}

/** createhow3 (RFC 1813 §3.3.8). */
export type CreateHow =
  | { readonly mode: typeof CreateMode.UNCHECKED | typeof CreateMode.GUARDED; readonly attributes: Sattr3 }
  | { readonly mode: typeof CreateMode.EXCLUSIVE; readonly verf: Uint8Array };

export interface CreateArgs {
  readonly where: DirOpArgs;
  readonly how: CreateHow;
}
export interface MkdirArgs {
  readonly where: DirOpArgs;
  readonly attributes: Sattr3;
}
/** CREATE3resok / MKDIR3resok. */
export interface NewObjectOk {
  readonly object?: Uint8Array;
  readonly attributes?: Fattr3;
  readonly dirWcc: WccData;
}
export interface DirWccFail {
  readonly dirWcc: WccData;
}

export interface RemoveArgs {
  readonly object: DirOpArgs;
}
export interface DirWccOk {
  readonly dirWcc: WccData;
}

export interface RenameArgs {
  readonly from: DirOpArgs;
  readonly to: DirOpArgs;
}
export interface RenameWcc {
  readonly fromDirWcc: WccData;
  readonly toDirWcc: WccData;
}

export interface ReaddirArgs {
  readonly dir: Uint8Array;
  readonly cookie: bigint;
  readonly cookieverf: Uint8Array;
  /** Maximum size of the READDIR3resok in bytes, XDR overhead included. */
  readonly count: number;
}
export interface DirEntry {
  readonly fileid: bigint;
  readonly name: string;
  readonly cookie: bigint;
}
export interface ReaddirOk {
  readonly dirAttributes?: Fattr3;
  readonly cookieverf: Uint8Array;
  readonly entries: readonly DirEntry[];
  readonly eof: boolean;
}

export interface ReaddirplusArgs {
  readonly dir: Uint8Array;
  readonly cookie: bigint;
  readonly cookieverf: Uint8Array;
  /** Maximum bytes of directory information (fileid, name, cookie) in the reply. */
  readonly dircount: number;
  /** Maximum size of the READDIRPLUS3resok, XDR overhead included. */
  readonly maxcount: number;
}
export interface DirEntryPlus extends DirEntry {
  readonly attributes?: Fattr3;
  readonly handle?: Uint8Array;
}
export interface ReaddirplusOk {
  readonly dirAttributes?: Fattr3;
  readonly cookieverf: Uint8Array;
  readonly entries: readonly DirEntryPlus[];
  readonly eof: boolean;
}

export interface FsrootArgs {
  readonly fsroot: Uint8Array;
}
export interface FsstatOk {
  readonly attributes?: Fattr3;
  readonly tbytes: bigint;
  readonly fbytes: bigint;
  readonly abytes: bigint;
  readonly tfiles: bigint;
  readonly ffiles: bigint;
  readonly afiles: bigint;
  readonly invarsec: number;
}
export interface FsinfoOk {
  readonly attributes?: Fattr3;
  readonly rtmax: number;
  readonly rtpref: number;
  readonly rtmult: number;
  readonly wtmax: number;
  readonly wtpref: number;
  readonly wtmult: number;
  readonly dtpref: number;
  readonly maxfilesize: bigint;
  readonly timeDelta: NfsTime;
  readonly properties: number;
}
export interface PathconfArgs {
  readonly object: Uint8Array;
}
export interface PathconfOk {
  readonly attributes?: Fattr3;
  readonly linkmax: number;
  readonly nameMax: number;
  readonly noTrunc: boolean;
  readonly chownRestricted: boolean;
  readonly caseInsensitive: boolean;
  readonly casePreserving: boolean;
}

export interface CommitArgs {
  readonly file: Uint8Array;
  readonly offset: number;
  readonly count: number;
}
export interface CommitOk {
  readonly wcc: WccData;
  readonly verf: Uint8Array;
}

/** One exportnode (RFC 1813 §5.2.5). */
export interface ExportEntry {
  readonly dir: string;
  readonly groups: readonly string[];
}

/** mountres3 (RFC 1813 §5.2.1). */
export type MountResult =
  | { readonly status: 0; readonly handle: Uint8Array; readonly authFlavors: readonly number[] }
  | { readonly status: Exclude<MountStat, 0> };
