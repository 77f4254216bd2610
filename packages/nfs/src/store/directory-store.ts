import type { BigIntStats } from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import {
  type FileHandle,
  lstat,
  mkdir,
  open,
  readdir,
  realpath,
  rename,
  rmdir,
  statfs,
  unlink,
} from 'node:fs/promises';
import { join } from 'node:path';
import type { NfsTime, Sattr3, SetTime } from '../codec/types.js';
import { CreateMode, Ftype3, type Nfs3ErrStat, Nfs3Stat, StableHow } from '../constants.js';
import { NfsStatusError } from '../errors.js';
import type {
  NfsStore,
  StoreAttrs,
  StoreCreateHow,
  StoreDirEntry,
  StoreDirListing,
  StoreFsStat,
} from './contract.js';

export interface DirectoryStoreOptions {
  /** Most open files kept between calls. Default 128. */
  readonly maxOpenFiles?: number;
}

interface Known {
  /** Path relative to the export root, "" for the root; components joined with "/". */
  path: string;
  readonly generation: number;
}

interface OpenFile {
  readonly handle: FileHandle;
  users: number;
}

/** errno → nfsstat3 (what knfsd's nfserrno does). */
const STATUS_OF_ERRNO: Readonly<Record<string, Nfs3ErrStat>> = {
  EPERM: Nfs3Stat.NFS3ERR_PERM,
  ENOENT: Nfs3Stat.NFS3ERR_NOENT,
  EIO: Nfs3Stat.NFS3ERR_IO,
  ENXIO: Nfs3Stat.NFS3ERR_NXIO,
  EACCES: Nfs3Stat.NFS3ERR_ACCES,
  EEXIST: Nfs3Stat.NFS3ERR_EXIST,
  EXDEV: Nfs3Stat.NFS3ERR_XDEV,
  ENODEV: Nfs3Stat.NFS3ERR_NODEV,
  ENOTDIR: Nfs3Stat.NFS3ERR_NOTDIR,
  EISDIR: Nfs3Stat.NFS3ERR_ISDIR,
  EINVAL: Nfs3Stat.NFS3ERR_INVAL,
  EFBIG: Nfs3Stat.NFS3ERR_FBIG,
  ENOSPC: Nfs3Stat.NFS3ERR_NOSPC,
  EROFS: Nfs3Stat.NFS3ERR_ROFS,
  EMLINK: Nfs3Stat.NFS3ERR_MLINK,
  ENAMETOOLONG: Nfs3Stat.NFS3ERR_NAMETOOLONG,
  ENOTEMPTY: Nfs3Stat.NFS3ERR_NOTEMPTY,
  EDQUOT: Nfs3Stat.NFS3ERR_DQUOT,
  // A symlink met where O_NOFOLLOW forbids following it.
  ELOOP: Nfs3Stat.NFS3ERR_INVAL,
};

const TYPE_OF_MODE: Readonly<Record<number, Ftype3>> = {
  [fsConstants.S_IFREG]: Ftype3.NF3REG,
  [fsConstants.S_IFDIR]: Ftype3.NF3DIR,
  [fsConstants.S_IFLNK]: Ftype3.NF3LNK,
  [fsConstants.S_IFBLK]: Ftype3.NF3BLK,
  [fsConstants.S_IFCHR]: Ftype3.NF3CHR,
  [fsConstants.S_IFSOCK]: Ftype3.NF3SOCK,
  [fsConstants.S_IFIFO]: Ftype3.NF3FIFO,
};

const O_NOFOLLOW = fsConstants.O_NOFOLLOW;
const IS_ROOT = process.getuid?.() === 0;

/**
 * An export backed by a directory on disk (node:fs). Objects are named by inode number; the store
 * remembers the path of each object it has handed out (so a handle stays good for the life of the
 * export) and never follows a symbolic link: links are reported as NF3LNK objects, files are
 * opened with O_NOFOLLOW, and every directory a call works in is checked to still resolve to
 * itself inside the export root (a directory swapped for a symlink is NFS3ERR_ACCES). Writes are
 * durable as asked: FILE_SYNC fsyncs and DATA_SYNC fdatasyncs before replying; UNSTABLE data is
 * fsynced by COMMIT.
 */
export class DirectoryStore implements NfsStore {
  readonly kind = 'directory';
  readonly rootId: bigint;
  private readonly known = new Map<bigint, Known>();
  private readonly openFiles = new Map<bigint, OpenFile>();
  private readonly exclusiveVerf = new Map<bigint, Uint8Array>();
  private nextGeneration = 1;
  private readonly maxOpen: number;

  private constructor(
    /** Canonical absolute path of the export root. */
    readonly root: string,
    rootIno: bigint,
    options: DirectoryStoreOptions,
  ) {
    this.rootId = rootIno;
    this.known.set(rootIno, { path: '', generation: this.nextGeneration++ });
    this.maxOpen = options.maxOpenFiles ?? 128;
  }

  /** Open a store on an existing directory. */
  static async open(dir: string, options: DirectoryStoreOptions = {}): Promise<DirectoryStore> {
    const root = await realpath(dir);
    const st = await lstat(root, { bigint: true });
    if (!st.isDirectory()) throw new NfsStatusError(Nfs3Stat.NFS3ERR_NOTDIR, `${dir} is not a directory`);
    return new DirectoryStore(root, st.ino, options);
  }

  async getattr(id: bigint): Promise<StoreAttrs> {
    const k = this.entry(id);
    const st = await this.statKnown(id, k);
    return attrsOf(st, k.generation);
  }

  async setattr(id: bigint, a: Sattr3): Promise<void> {
    const k = this.entry(id);
    const st = await this.statKnown(id, k);
    if (st.isSymbolicLink())
      throw new NfsStatusError(Nfs3Stat.NFS3ERR_INVAL, 'cannot set attributes of a symbolic link');
    await this.guard(async () => {
      if (a.size !== undefined && st.isDirectory())
        throw new NfsStatusError(Nfs3Stat.NFS3ERR_ISDIR, 'size of a directory');
      const flags = st.isDirectory() ? fsConstants.O_RDONLY | fsConstants.O_DIRECTORY : fsConstants.O_RDWR;
      const fh = await this.openPath(k.path, flags);
      try {
        await applyAttrs(fh, a, st);
      } finally {
        await fh.close();
      }
      this.exclusiveVerf.delete(id);
    });
  }

  async lookup(dir: bigint, name: string): Promise<bigint> {
    const d = { path: await this.dirPath(dir) };
    if (name === '.') return dir;
    const path = name === '..' ? parentOf(d.path) : childOf(d.path, name);
    const st = await this.guard(() => lstat(this.abs(path), { bigint: true }));
    return this.register(st.ino, path);
  }

  async read(id: bigint, offset: number, count: number): Promise<{ data: Uint8Array; eof: boolean }> {
    const k = this.entry(id);
    const st = await this.statKnown(id, k);
    this.requireFile(st);
    return this.withFile(id, k, async (fh) => {
      const size = Number(st.size);
      const n = Math.max(0, Math.min(count, size - offset));
      const data = new Uint8Array(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await fh.read(data, got, n - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return { data: got === n ? data : data.subarray(0, got), eof: offset + got >= size };
    });
  }

  async write(id: bigint, offset: number, data: Uint8Array, stable: StableHow): Promise<StableHow> {
    const k = this.entry(id);
    this.requireFile(await this.statKnown(id, k));
    return this.withFile(id, k, async (fh) => {
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await fh.write(data, done, data.length - done, offset + done);
        done += bytesWritten;
      }
      if (stable === StableHow.FILE_SYNC) await fh.sync();
      else if (stable === StableHow.DATA_SYNC) await fh.datasync();
      return stable;
    });
  }

  async commit(id: bigint): Promise<void> {
    const k = this.entry(id);
    this.requireFile(await this.statKnown(id, k));
    await this.withFile(id, k, (fh) => fh.sync());
  }

  async create(dir: bigint, name: string, how: StoreCreateHow): Promise<bigint> {
    const d = { path: await this.dirPath(dir) };
    const path = childOf(d.path, name);
    const existing = await lstat(this.abs(path), { bigint: true }).catch(() => undefined);
    if (existing !== undefined) {
      const id = this.register(existing.ino, path);
      if (how.mode === CreateMode.GUARDED)
        throw new NfsStatusError(Nfs3Stat.NFS3ERR_EXIST, `"${name}" exists`);
      if (how.mode === CreateMode.EXCLUSIVE) {
        const verf = this.exclusiveVerf.get(id);
        if (verf !== undefined && sameBytes(verf, how.verf)) return id;
        throw new NfsStatusError(Nfs3Stat.NFS3ERR_EXIST, `"${name}" exists`);
      }
      // UNCHECKED on anything but a regular file would follow or clobber it: refuse.
      if (!existing.isFile())
        throw new NfsStatusError(Nfs3Stat.NFS3ERR_EXIST, `"${name}" is not a regular file`);
      if (how.attributes.size !== undefined) await this.setattr(id, { size: how.attributes.size });
      return id;
    }
    const attrs = how.mode === CreateMode.EXCLUSIVE ? {} : how.attributes;
    const fh = await this.guard(() =>
      open(
        this.abs(path),
        fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY | O_NOFOLLOW,
        attrs.mode ?? 0o644,
      ),
    );
    let ino: bigint;
    try {
      await this.guard(() => applyAttrs(fh, { ...attrs, mode: attrs.mode ?? 0o644 }, undefined));
      ino = (await fh.stat({ bigint: true })).ino;
    } finally {
      await fh.close();
    }
    const id = this.register(ino, path, true);
    if (how.mode === CreateMode.EXCLUSIVE) this.exclusiveVerf.set(id, how.verf.slice());
    return id;
  }

  async mkdir(dir: bigint, name: string, attributes: Sattr3): Promise<bigint> {
    const d = { path: await this.dirPath(dir) };
    const path = childOf(d.path, name);
    await this.guard(() => mkdir(this.abs(path), attributes.mode ?? 0o755));
    const fh = await this.openPath(path, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
    try {
      await this.guard(() => applyAttrs(fh, { ...attributes, mode: attributes.mode ?? 0o755 }, undefined));
      return this.register((await fh.stat({ bigint: true })).ino, path, true);
    } finally {
      await fh.close();
    }
  }

  async remove(dir: bigint, name: string): Promise<void> {
    const d = { path: await this.dirPath(dir) };
    const path = childOf(d.path, name);
    const st = await this.guard(() => lstat(this.abs(path), { bigint: true }));
    if (st.isDirectory()) throw new NfsStatusError(Nfs3Stat.NFS3ERR_ISDIR, `"${name}" is a directory`);
    await this.guard(() => unlink(this.abs(path)));
    await this.forget(st.ino, path);
  }

  async rmdir(dir: bigint, name: string): Promise<void> {
    const d = { path: await this.dirPath(dir) };
    const path = childOf(d.path, name);
    const st = await this.guard(() => lstat(this.abs(path), { bigint: true }));
    if (!st.isDirectory()) throw new NfsStatusError(Nfs3Stat.NFS3ERR_NOTDIR, `"${name}" is not a directory`);
    await this.guard(() => rmdir(this.abs(path)));
    await this.forget(st.ino, path);
  }

  async rename(fromDir: bigint, fromName: string, toDir: bigint, toName: string): Promise<void> {
    const f = { path: await this.dirPath(fromDir) };
    const t = { path: await this.dirPath(toDir) };
    const from = childOf(f.path, fromName);
    const to = childOf(t.path, toName);
    const moved = await this.guard(() => lstat(this.abs(from), { bigint: true }));
    const replaced = await lstat(this.abs(to), { bigint: true }).catch(() => undefined);
    await this.guard(() => rename(this.abs(from), this.abs(to)));
    if (replaced !== undefined && replaced.ino !== moved.ino) await this.forget(replaced.ino, to);
    // The moved object and everything under it now live at new paths.
    for (const k of this.known.values()) {
      if (k.path === from) k.path = to;
      else if (k.path.startsWith(`${from}/`)) k.path = to + k.path.slice(from.length);
    }
    this.register(moved.ino, to);
  }

  async readdir(dir: bigint, cookie: bigint, cookieverf: Uint8Array): Promise<StoreDirListing> {
    const d = this.entry(dir);
    const st = await this.statKnown(dir, d);
    if (!st.isDirectory()) throw new NfsStatusError(Nfs3Stat.NFS3ERR_NOTDIR, 'not a directory');
    await this.checkDir(d.path);
    // The verifier is the directory's mtime: positions (cookies) hold only while it is unchanged.
    const verf = new Uint8Array(8);
    new DataView(verf.buffer).setBigUint64(0, BigInt.asUintN(64, st.mtimeNs));
    if (cookie !== 0n && !isZero(cookieverf) && !sameBytes(cookieverf, verf)) {
      throw new NfsStatusError(
        Nfs3Stat.NFS3ERR_BAD_COOKIE,
        'directory changed since the cookie was handed out',
      );
    }
    const names = (await this.guard(() => readdir(this.abs(d.path)))).sort();
    const parentId = await this.lookup(dir, '..');
    const all: StoreDirEntry[] = [
      { name: '.', fileid: dir, cookie: 1n },
      { name: '..', fileid: parentId, cookie: 2n },
    ];
    const out: StoreDirEntry[] = all.filter((e) => e.cookie > cookie);
    for (let i = 0; i < names.length; i++) {
      const c = BigInt(i + 3);
      if (c <= cookie) continue;
      const path = childOf(d.path, names[i]!);
      const child = await lstat(this.abs(path), { bigint: true }).catch(() => undefined);
      if (child === undefined) continue; // removed while listing
      out.push({ name: names[i]!, fileid: this.register(child.ino, path), cookie: c });
    }
    return { cookieverf: verf, entries: out };
  }

  async fsstat(): Promise<StoreFsStat> {
    const s = await this.guard(() => statfs(this.root, { bigint: true }));
    return {
      tbytes: s.blocks * s.bsize,
      fbytes: s.bfree * s.bsize,
      abytes: s.bavail * s.bsize,
      tfiles: s.files,
      ffiles: s.ffree,
      afiles: s.ffree,
    };
  }

  async close(): Promise<void> {
    const all = [...this.openFiles.values()];
    this.openFiles.clear();
    await Promise.allSettled(all.map((f) => f.handle.close()));
  }

  private abs(path: string): string {
    return path === '' ? this.root : join(this.root, path);
  }

  private entry(id: bigint): Known {
    const k = this.known.get(id);
    if (k === undefined)
      throw new NfsStatusError(Nfs3Stat.NFS3ERR_STALE, `object ${id} is not known to this export`);
    return k;
  }

  /** The path of a live directory, checked to be inside the export: NOTDIR for anything else. */
  private async dirPath(id: bigint): Promise<string> {
    const k = this.entry(id);
    const st = await this.statKnown(id, k);
    if (!st.isDirectory())
      throw new NfsStatusError(Nfs3Stat.NFS3ERR_NOTDIR, `object ${id} is not a directory`);
    await this.checkDir(k.path);
    return k.path;
  }

  /** lstat of a known object; STALE (and forgotten) when its path no longer holds it. */
  private async statKnown(id: bigint, k: Known): Promise<BigIntStats> {
    const st = await lstat(this.abs(k.path), { bigint: true }).catch(() => undefined);
    if (st === undefined || st.ino !== id) {
      await this.forget(id, k.path);
      throw new NfsStatusError(Nfs3Stat.NFS3ERR_STALE, `object ${id} no longer exists`);
    }
    return st;
  }

  /** ACCES unless the directory still resolves to itself: no component was swapped for a symlink. */
  private async checkDir(path: string): Promise<void> {
    const abs = this.abs(path);
    const real = await this.guard(() => realpath(abs));
    if (real !== abs)
      throw new NfsStatusError(Nfs3Stat.NFS3ERR_ACCES, `directory "${path}" resolves outside its path`);
  }

  private register(ino: bigint, path: string, fresh = false): bigint {
    const k = this.known.get(ino);
    if (k === undefined || fresh) {
      this.known.set(ino, { path, generation: this.nextGeneration++ });
    } else if (k.path !== path) {
      k.path = path;
    }
    return ino;
  }

  private async forget(ino: bigint, path: string): Promise<void> {
    const k = this.known.get(ino);
    if (k !== undefined && k.path === path && ino !== this.rootId) this.known.delete(ino);
    this.exclusiveVerf.delete(ino);
    const f = this.openFiles.get(ino);
    if (f !== undefined && f.users === 0) {
      this.openFiles.delete(ino);
      await f.handle.close().catch(() => undefined);
    }
  }

  private requireFile(st: BigIntStats): void {
    if (st.isDirectory()) throw new NfsStatusError(Nfs3Stat.NFS3ERR_ISDIR, 'is a directory');
    if (!st.isFile()) throw new NfsStatusError(Nfs3Stat.NFS3ERR_INVAL, 'not a regular file');
  }

  private async openPath(path: string, flags: number): Promise<FileHandle> {
    await this.checkDir(parentOf(path));
    return this.guard(() => open(this.abs(path), flags | O_NOFOLLOW));
  }

  /** Run `fn` on a cached open file of `id` (opened O_RDWR|O_NOFOLLOW on first use). */
  private async withFile<T>(id: bigint, k: Known, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
    let f = this.openFiles.get(id);
    if (f === undefined) {
      const handle = await this.openPath(k.path, fsConstants.O_RDWR);
      const opened = this.openFiles.get(id);
      if (opened !== undefined) {
        await handle.close();
        f = opened;
      } else {
        f = { handle, users: 0 };
        this.openFiles.set(id, f);
        await this.trimOpenFiles();
      }
    }
    f.users++;
    try {
      return await this.guard(() => fn(f.handle));
    } finally {
      f.users--;
    }
  }

  private async trimOpenFiles(): Promise<void> {
    if (this.openFiles.size <= this.maxOpen) return;
    for (const [id, f] of this.openFiles) {
      if (this.openFiles.size <= this.maxOpen) break;
      if (f.users > 0) continue;
      this.openFiles.delete(id);
      await f.handle.close().catch(() => undefined);
    }
  }

  /** Run a node:fs call, turning its errno into the matching nfsstat3. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof NfsStatusError) throw e;
      const code = (e as { code?: unknown } | null)?.code;
      const status = typeof code === 'string' ? STATUS_OF_ERRNO[code] : undefined;
      throw new NfsStatusError(status ?? Nfs3Stat.NFS3ERR_IO, e instanceof Error ? e.message : String(e), {
        cause: e,
      });
    }
  }
}

async function applyAttrs(fh: FileHandle, a: Sattr3, st: BigIntStats | undefined): Promise<void> {
  if (a.size !== undefined) await fh.truncate(a.size);
  if (a.mode !== undefined) await fh.chmod(a.mode & 0o7777);
  // Ownership is only the server's to give when it runs as root; otherwise files belong to it.
  if (IS_ROOT && (a.uid !== undefined || a.gid !== undefined)) {
    await fh.chown(a.uid ?? -1, a.gid ?? -1);
  }
  if (a.atime !== undefined || a.mtime !== undefined) {
    const cur = st ?? (await fh.stat({ bigint: true }));
    await fh.utimes(timeOf(a.atime, cur.atimeNs), timeOf(a.mtime, cur.mtimeNs));
  }
}

function timeOf(t: SetTime | undefined, currentNs: bigint): number {
  if (t === undefined) return Number(currentNs) / 1e9;
  if (t === 'server') return Date.now() / 1000;
  return t.seconds + t.nseconds / 1e9;
}

function nfsTime(ns: bigint): NfsTime {
  const s = ns / 1_000_000_000n;
  return { seconds: Number(BigInt.asUintN(32, s)), nseconds: Number(ns - s * 1_000_000_000n) };
}

function attrsOf(st: BigIntStats, generation: number): StoreAttrs {
  return {
    type: TYPE_OF_MODE[Number(st.mode) & fsConstants.S_IFMT] ?? Ftype3.NF3REG,
    mode: Number(st.mode) & 0o7777,
    nlink: Number(st.nlink),
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: Number(st.size),
    used: Number(st.blocks) * 512,
    fileid: st.ino,
    generation,
    atime: nfsTime(st.atimeNs),
    mtime: nfsTime(st.mtimeNs),
    ctime: nfsTime(st.ctimeNs),
  };
}

function childOf(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** The parent of a path under the root; the root's parent is the root (".." never leaves it). */
function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isZero(a: Uint8Array): boolean {
  for (const b of a) if (b !== 0) return false;
  return true;
}
