import type { InjectionToken } from 'tsyringe';
import type { CreateHow, NfsTime, Sattr3 } from '../codec/types.js';
import type { Ftype3, StableHow } from '../constants.js';

/** What a store knows about one object; the server turns it into fattr3 and file handles. */
export interface StoreAttrs {
  readonly type: Ftype3;
  readonly mode: number;
  readonly nlink: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly used: number;
  /** Unique within the store for as long as the object exists. */
  readonly fileid: bigint;
  /** Tells a later object with a reused fileid from this one (the handle's generation). */
  readonly generation: number;
  readonly atime: NfsTime;
  readonly mtime: NfsTime;
  readonly ctime: NfsTime;
}

/** How CREATE asks for a file: the wire's createhow3 (RFC 1813 §3.3.8), as the codec decodes it. */
export type StoreCreateHow = CreateHow;

export interface StoreDirEntry {
  readonly name: string;
  readonly fileid: bigint;
  /** Where a READDIR that stops after this entry resumes. Never 0. */
  readonly cookie: bigint;
}

export interface StoreDirListing {
  /** The cookie verifier to hand out with these entries. */
  readonly cookieverf: Uint8Array;
  /** Entries after the requested cookie, in cookie order ("." and ".." included). */
  readonly entries: readonly StoreDirEntry[];
}

export interface StoreFsStat {
  readonly tbytes: bigint;
  readonly fbytes: bigint;
  readonly abytes: bigint;
  readonly tfiles: bigint;
  readonly ffiles: bigint;
  readonly afiles: bigint;
}

/**
 * The object store behind an NFS export. Objects are named by `fileid`; names passed in are
 * single, already validated components (no "/", NUL, or over-long names; "." and ".." only to
 * `lookup`). Every failure is an {@link NfsStatusError} with the status the client should see:
 * NFS3ERR_STALE for an object that no longer exists, NFS3ERR_NOENT, NFS3ERR_EXIST,
 * NFS3ERR_NOTDIR, NFS3ERR_ISDIR, NFS3ERR_NOTEMPTY, NFS3ERR_INVAL… A store never lets a name or
 * an id reach outside the export.
 */
export interface NfsStore {
  /** For messages and FSSTAT-like reports. */
  readonly kind: string;
  /** fileid of the export's root directory. */
  readonly rootId: bigint;
  /** Attributes of a live object; NFS3ERR_STALE when it is gone. */
  getattr(id: bigint): Promise<StoreAttrs>;
  /** Apply sattr3 (size truncates or extends); times 'server' mean now. */
  setattr(id: bigint, attributes: Sattr3): Promise<void>;
  /** The id of `name` in directory `dir` ("." the directory, ".." its parent; the root's parent is itself). */
  lookup(dir: bigint, name: string): Promise<bigint>;
  /** Up to `count` bytes at `offset`; `eof` when the data reaches the end of the file. */
  read(id: bigint, offset: number, count: number): Promise<{ data: Uint8Array; eof: boolean }>;
  /**
   * Write `data` at `offset`. The store makes it as durable as `stable` asks before resolving
   * and resolves with the level it reached (FILE_SYNC ≥ DATA_SYNC ≥ UNSTABLE).
   */
  write(id: bigint, offset: number, data: Uint8Array, stable: StableHow): Promise<StableHow>;
  /** Make every earlier UNSTABLE write to `id` durable (fsync). */
  commit(id: bigint): Promise<void>;
  /** Create a regular file; EXCLUSIVE with the same verifier again returns the same file. */
  create(dir: bigint, name: string, how: StoreCreateHow): Promise<bigint>;
  mkdir(dir: bigint, name: string, attributes: Sattr3): Promise<bigint>;
  /** Remove a non-directory. */
  remove(dir: bigint, name: string): Promise<void>;
  /** Remove an empty directory. */
  rmdir(dir: bigint, name: string): Promise<void>;
  /** Rename, replacing a compatible target as POSIX rename(2) does. */
  rename(fromDir: bigint, fromName: string, toDir: bigint, toName: string): Promise<void>;
  /**
   * Entries after `cookie` (0 = from the start). NFS3ERR_BAD_COOKIE when `cookie` is not 0 and
   * `cookieverf` no longer matches the directory.
   */
  readdir(dir: bigint, cookie: bigint, cookieverf: Uint8Array): Promise<StoreDirListing>;
  fsstat(): Promise<StoreFsStat>;
  /** Release open files and other resources. */
  close(): Promise<void>;
}

export const NFS_STORE: InjectionToken<NfsStore> = Symbol('rdmalab.nfs.NfsStore');
