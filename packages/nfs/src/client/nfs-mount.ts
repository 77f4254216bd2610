import { Buffer } from 'node:buffer';
import { constants as osConstants } from 'node:os';
import type { RpcClient } from '@rdmalab/sunrpc';
import { MOUNTPROC3_UMNT } from '../codec/mount3.js';
import {
  CREATE3,
  GETATTR3,
  LOOKUP3,
  MKDIR3,
  READDIR3,
  READDIRPLUS3,
  REMOVE3,
  RENAME3,
  RMDIR3,
} from '../codec/nfs3.js';
import type { Fattr3 } from '../codec/types.js';
import { CreateMode, Ftype3, type Nfs3ErrStat, Nfs3Stat } from '../constants.js';
import { NfsError } from '../errors.js';
import { CachedFile, type FileIoCounters, type FileIoOptions, NfsStatusFailure } from './cached-file.js';
import { type FileHandleHost, NfsFileHandle, type OpenMode } from './file-handle.js';
import type { Nfs3Rpc } from './nfs3-rpc.js';
import type { PageCache, PageCacheStats } from './page-cache.js';
import { NfsDirent, NfsStats } from './stats.js';

/** node:fs open flags this client understands. */
export type OpenFlags = 'r' | 'r+' | 'rs+' | 'w' | 'wx' | 'w+' | 'wx+' | 'a' | 'ax' | 'a+' | 'ax+';

const FLAGS: Readonly<
  Record<OpenFlags, OpenMode & { create: boolean; truncate: boolean; exclusive: boolean }>
> = {
  r: { read: true, write: false, append: false, create: false, truncate: false, exclusive: false },
  'r+': { read: true, write: true, append: false, create: false, truncate: false, exclusive: false },
  'rs+': { read: true, write: true, append: false, create: false, truncate: false, exclusive: false },
  w: { read: false, write: true, append: false, create: true, truncate: true, exclusive: false },
  wx: { read: false, write: true, append: false, create: true, truncate: true, exclusive: true },
  'w+': { read: true, write: true, append: false, create: true, truncate: true, exclusive: false },
  'wx+': { read: true, write: true, append: false, create: true, truncate: true, exclusive: true },
  a: { read: false, write: true, append: true, create: true, truncate: false, exclusive: false },
  ax: { read: false, write: true, append: true, create: true, truncate: false, exclusive: true },
  'a+': { read: true, write: true, append: true, create: true, truncate: false, exclusive: false },
  'ax+': { read: true, write: true, append: true, create: true, truncate: false, exclusive: true },
};

type Data = string | Uint8Array;
type Encoding = BufferEncoding;
const ZERO_VERF = new Uint8Array(8);

export interface NfsMountParts {
  readonly nfs: Nfs3Rpc;
  readonly mountRpc: RpcClient | undefined;
  readonly exportPath: string;
  readonly rootFh: Uint8Array;
  readonly cache: PageCache;
  readonly io: FileIoOptions;
  /** READDIR count / READDIRPLUS maxcount, bytes. */
  readonly dirBytes: number;
}

/**
 * A mounted NFSv3 export with a promise API shaped like node:fs/promises. Paths are relative to
 * the export root ("/a/b" and "a/b" are the same file; ".." never leaves the root). Errors are
 * {@link NfsError}s with node's codes (ENOENT, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, ESTALE…)
 * and the NFS status the server answered.
 */
export class NfsMount {
  readonly exportPath: string;
  readonly rootFh: Uint8Array;
  readonly cache: PageCache;
  private readonly nfs: Nfs3Rpc;
  private readonly mountRpc: RpcClient | undefined;
  private readonly io: FileIoOptions;
  private readonly dirBytes: number;
  /** Files with cached pages, by fileid. */
  private readonly files = new Map<bigint, CachedFile>();
  private unmounted = false;
  private readonly host: FileHandleHost;

  constructor(parts: NfsMountParts) {
    this.nfs = parts.nfs;
    this.mountRpc = parts.mountRpc;
    this.exportPath = parts.exportPath;
    this.rootFh = parts.rootFh;
    this.cache = parts.cache;
    this.io = parts.io;
    this.dirBytes = parts.dirBytes;
    this.host = {
      run: (syscall, path, fn) => this.run(syscall, path, fn),
      stat: (file) =>
        this.run('fstat', file.name, async () => {
          await this.refresh(file);
          return new NfsStats({ ...file.attrs, size: Math.max(file.attrs.size, file.size) });
        }),
      close: (file) => this.closeFile(file),
      fail: (code, errno, syscall, path, detail) => new NfsError(code, errno, syscall, path, detail),
    };
  }

  /** READ/WRITE sizes in use. */
  get rsize(): number {
    return this.io.rsize;
  }
  get wsize(): number {
    return this.io.wsize;
  }

  /** RPC counts and bytes moved by file I/O. */
  get counters(): Readonly<FileIoCounters> {
    return this.io.counters;
  }

  get cacheStats(): PageCacheStats {
    return this.cache.stats;
  }

  async open(path: string, flags: OpenFlags = 'r', mode = 0o666): Promise<NfsFileHandle> {
    const f = FLAGS[flags];
    if (f === undefined) throw new NfsError('EINVAL', 22, 'open', path, `unknown flags "${String(flags)}"`);
    return this.run('open', path, async () => {
      let fh: Uint8Array;
      let attrs: Fattr3;
      const found = await this.lookupPath(path, !f.create);
      if (found !== undefined) {
        if (f.exclusive) throw new NfsStatusFailure(Nfs3Stat.NFS3ERR_EXIST, 'CREATE');
        ({ fh, attrs } = found);
      } else {
        ({ fh, attrs } = await this.createFile(path, mode & 0o7777));
      }
      if (attrs.type === Ftype3.NF3DIR && f.write) throw new NfsStatusFailure(Nfs3Stat.NFS3ERR_ISDIR, 'OPEN');
      const file = this.fileFor(fh, attrs, path);
      // Close-to-open: fresh attributes at every open; pages cached from before stay only if unchanged.
      await this.refresh(file);
      if (f.truncate && file.size > 0) {
        await file.writeback();
        await file.truncate(0);
      }
      file.openCount++;
      return new NfsFileHandle(this.host, file, path, f);
    });
  }

  async readFile(path: string, options?: Encoding | { encoding?: Encoding | null }): Promise<Buffer>;
  async readFile(path: string, options: Encoding | { encoding: Encoding }): Promise<string>;
  async readFile(
    path: string,
    options?: Encoding | { encoding?: Encoding | null },
  ): Promise<Buffer | string> {
    const encoding = typeof options === 'string' ? options : (options?.encoding ?? undefined);
    const fh = await this.open(path, 'r');
    try {
      const data = await fh.readFile();
      return encoding === undefined ? data : data.toString(encoding);
    } finally {
      await fh.close();
    }
  }

  async writeFile(
    path: string,
    data: Data,
    options?: { mode?: number; flag?: OpenFlags; encoding?: Encoding },
  ): Promise<void> {
    const fh = await this.open(path, options?.flag ?? 'w', options?.mode);
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, options?.encoding ?? 'utf8') : data;
      await fh.write(bytes, 0, bytes.length, 0);
    } finally {
      await fh.close();
    }
  }

  async appendFile(
    path: string,
    data: Data,
    options?: { mode?: number; encoding?: Encoding },
  ): Promise<void> {
    const fh = await this.open(path, 'a', options?.mode);
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, options?.encoding ?? 'utf8') : data;
      await fh.write(bytes);
    } finally {
      await fh.close();
    }
  }

  async stat(path: string): Promise<NfsStats> {
    return this.run('stat', path, async () => {
      const { fh, attrs } = await this.mustLookup(path);
      const cached = this.files.get(attrs.fileid);
      if (cached?.hasDirty) {
        // Like the Linux client, write back before reporting size and mtime.
        await cached.writeback();
        return new NfsStats(await this.getattr(fh));
      }
      return new NfsStats(attrs);
    });
  }

  async readdir(path: string): Promise<string[]>;
  async readdir(path: string, options: { withFileTypes: true }): Promise<NfsDirent[]>;
  async readdir(path: string, options?: { withFileTypes?: false }): Promise<string[]>;
  async readdir(path: string, options?: { withFileTypes?: boolean }): Promise<string[] | NfsDirent[]> {
    return this.run('scandir', path, async () => {
      const { fh } = await this.mustLookup(path);
      if (options?.withFileTypes === true) {
        const out: NfsDirent[] = [];
        for await (const e of this.listPlus(fh)) {
          const type = e.attributes?.type ?? (await this.lookupIn(fh, e.name)).attrs.type;
          out.push(new NfsDirent(e.name, normalize(path), type));
        }
        return out;
      }
      const names: string[] = [];
      for await (const e of this.list(fh)) names.push(e.name);
      return names;
    });
  }

  /** Create a directory; with `recursive`, its missing parents too (resolves with the first one created). */
  async mkdir(path: string, options?: { recursive?: boolean; mode?: number }): Promise<string | undefined> {
    const mode = (options?.mode ?? 0o777) & 0o7777;
    return this.run('mkdir', path, async () => {
      const parts = components(path);
      if (parts.length === 0) {
        if (options?.recursive) return undefined;
        throw new NfsStatusFailure(Nfs3Stat.NFS3ERR_EXIST, 'MKDIR');
      }
      if (!options?.recursive) {
        const { dir, name } = await this.parentOf(path);
        await this.mkdirIn(dir, name, mode);
        return undefined;
      }
      let dir = this.rootFh;
      let first: string | undefined;
      for (let i = 0; i < parts.length; i++) {
        const name = parts[i]!;
        const res = await this.nfs.call(LOOKUP3, { what: { dir, name } });
        if (res.status === 0) {
          const type = res.ok.attributes?.type ?? (await this.getattr(res.ok.object)).type;
          if (type !== Ftype3.NF3DIR) {
            throw new NfsStatusFailure(
              i === parts.length - 1 ? Nfs3Stat.NFS3ERR_EXIST : Nfs3Stat.NFS3ERR_NOTDIR,
              'MKDIR',
            );
          }
          dir = res.ok.object;
          continue;
        }
        if (res.status !== Nfs3Stat.NFS3ERR_NOENT) throw new NfsStatusFailure(res.status, 'LOOKUP');
        dir = await this.mkdirIn(dir, name, mode);
        first ??= `/${parts.slice(0, i + 1).join('/')}`;
      }
      return first;
    });
  }

  async rmdir(path: string): Promise<void> {
    await this.run('rmdir', path, async () => {
      const { dir, name } = await this.parentOf(path);
      const res = await this.nfs.call(RMDIR3, { object: { dir, name } });
      if (res.status !== 0) throw new NfsStatusFailure(res.status, 'RMDIR');
    });
  }

  async unlink(path: string): Promise<void> {
    await this.run('unlink', path, async () => {
      const { dir, name } = await this.parentOf(path);
      const target = await this.nfs.call(LOOKUP3, { what: { dir, name } });
      const res = await this.nfs.call(REMOVE3, { object: { dir, name } });
      if (res.status !== 0) throw new NfsStatusFailure(res.status, 'REMOVE');
      const fileid = target.status === 0 ? target.ok.attributes?.fileid : undefined;
      const cached = fileid === undefined ? undefined : this.files.get(fileid);
      if (cached !== undefined && cached.openCount === 0) {
        cached.forget();
        this.files.delete(cached.attrs.fileid);
      }
    });
  }

  async rename(oldPath: string, newPath: string): Promise<void> {
    await this.run('rename', oldPath, async () => {
      const from = await this.parentOf(oldPath);
      const to = await this.parentOf(newPath);
      const res = await this.nfs.call(RENAME3, {
        from: { dir: from.dir, name: from.name },
        to: { dir: to.dir, name: to.name },
      });
      if (res.status !== 0) throw new NfsStatusFailure(res.status, 'RENAME');
    });
  }

  /** Write back every file, release the page cache, UMNT and close the connections. */
  async unmount(): Promise<void> {
    if (this.unmounted) return;
    this.unmounted = true;
    let failure: unknown;
    for (const file of this.files.values()) {
      try {
        await file.writeback();
      } catch (e) {
        failure ??= e;
      }
      file.forget();
    }
    this.files.clear();
    try {
      if (this.mountRpc !== undefined) {
        await this.mountRpc.call({
          proc: MOUNTPROC3_UMNT.proc,
          procName: 'UMNT',
          encodeArgs: (enc) => MOUNTPROC3_UMNT.encodeArgs(enc, this.exportPath),
          decodeResult: () => undefined,
        });
      }
    } finally {
      await this.mountRpc?.shutdown();
      await this.nfs.rpc.shutdown();
    }
    if (failure !== undefined) throw this.toNfsError(failure, 'umount', this.exportPath);
  }

  private async closeFile(file: CachedFile): Promise<void> {
    await this.run('close', file.name, async () => {
      try {
        await file.writeback();
      } finally {
        file.openCount--;
      }
    });
  }

  private fileFor(fh: Uint8Array, attrs: Fattr3, name: string): CachedFile {
    let file = this.files.get(attrs.fileid);
    if (file === undefined || !sameBytes(file.fh, fh)) {
      if (file !== undefined && file.openCount === 0) file.forget();
      file = new CachedFile(name, fh, attrs, this.cache, this.io);
      this.files.set(attrs.fileid, file);
    }
    return file;
  }

  private async refresh(file: CachedFile): Promise<void> {
    file.revalidate(await this.getattr(file.fh));
  }

  private async getattr(fh: Uint8Array): Promise<Fattr3> {
    const res = await this.nfs.call(GETATTR3, { object: fh });
    if (res.status !== 0) throw new NfsStatusFailure(res.status, 'GETATTR');
    return res.ok.attributes;
  }

  private async lookupIn(dir: Uint8Array, name: string): Promise<{ fh: Uint8Array; attrs: Fattr3 }> {
    const res = await this.nfs.call(LOOKUP3, { what: { dir, name } });
    if (res.status !== 0) throw new NfsStatusFailure(res.status, 'LOOKUP');
    return { fh: res.ok.object, attrs: res.ok.attributes ?? (await this.getattr(res.ok.object)) };
  }

  /** Walk the path from the root; undefined when the last component does not exist (if `must` is false). */
  private async lookupPath(
    path: string,
    must: boolean,
  ): Promise<{ fh: Uint8Array; attrs: Fattr3 } | undefined> {
    const parts = components(path);
    let fh = this.rootFh;
    let attrs: Fattr3 | undefined;
    for (let i = 0; i < parts.length; i++) {
      const res = await this.nfs.call(LOOKUP3, { what: { dir: fh, name: parts[i]! } });
      if (res.status !== 0) {
        if (!must && res.status === Nfs3Stat.NFS3ERR_NOENT && i === parts.length - 1) return undefined;
        throw new NfsStatusFailure(res.status, 'LOOKUP');
      }
      fh = res.ok.object;
      attrs = res.ok.attributes;
    }
    return { fh, attrs: attrs ?? (await this.getattr(fh)) };
  }

  private async mustLookup(path: string): Promise<{ fh: Uint8Array; attrs: Fattr3 }> {
    return (await this.lookupPath(path, true))!;
  }

  private async parentOf(path: string): Promise<{ dir: Uint8Array; name: string }> {
    const parts = components(path);
    const name = parts.pop();
    if (name === undefined) throw new NfsStatusFailure(Nfs3Stat.NFS3ERR_INVAL, 'LOOKUP');
    const parent = await this.mustLookup(parts.join('/'));
    if (parent.attrs.type !== Ftype3.NF3DIR) throw new NfsStatusFailure(Nfs3Stat.NFS3ERR_NOTDIR, 'LOOKUP');
    return { dir: parent.fh, name };
  }

  private async createFile(path: string, mode: number): Promise<{ fh: Uint8Array; attrs: Fattr3 }> {
    const { dir, name } = await this.parentOf(path);
    const res = await this.nfs.call(CREATE3, {
      where: { dir, name },
      how: { mode: CreateMode.GUARDED, attributes: { mode } },
    });
    if (res.status !== 0) throw new NfsStatusFailure(res.status, 'CREATE');
    if (res.ok.object === undefined) return this.lookupIn(dir, name);
    return { fh: res.ok.object, attrs: res.ok.attributes ?? (await this.getattr(res.ok.object)) };
  }

  private async mkdirIn(dir: Uint8Array, name: string, mode: number): Promise<Uint8Array> {
    const res = await this.nfs.call(MKDIR3, { where: { dir, name }, attributes: { mode } });
    if (res.status !== 0) throw new NfsStatusFailure(res.status, 'MKDIR');
    return res.ok.object ?? (await this.lookupIn(dir, name)).fh;
  }

  /** READDIR pages, following cookies and the cookie verifier; "." and ".." left out. */
  private async *list(dir: Uint8Array): AsyncGenerator<{ name: string }> {
    let cookie = 0n;
    let cookieverf: Uint8Array = ZERO_VERF;
    for (;;) {
      const res = await this.nfs.call(
        READDIR3,
        { dir, cookie, cookieverf, count: this.dirBytes },
        { resultMaxBytes: this.dirBytes }, // count bounds READDIR3resok (RFC 1813 §3.3.16)
      );
      if (res.status !== 0) throw new NfsStatusFailure(res.status, 'READDIR');
      for (const e of res.ok.entries) if (e.name !== '.' && e.name !== '..') yield e;
      if (res.ok.eof) return;
      const last = res.ok.entries[res.ok.entries.length - 1];
      if (last === undefined) throw new NfsStatusFailure(Nfs3Stat.NFS3ERR_IO, 'READDIR');
      cookie = last.cookie;
      cookieverf = res.ok.cookieverf;
    }
  }

  private async *listPlus(dir: Uint8Array): AsyncGenerator<{ name: string; attributes?: Fattr3 }> {
    let cookie = 0n;
    let cookieverf: Uint8Array = ZERO_VERF;
    for (;;) {
      const res = await this.nfs.call(
        READDIRPLUS3,
        {
          dir,
          cookie,
          cookieverf,
          dircount: this.dirBytes,
          maxcount: this.dirBytes * 4,
        },
        { resultMaxBytes: this.dirBytes * 4 }, // maxcount bounds READDIRPLUS3resok (RFC 1813 §3.3.17)
      );
      if (res.status !== 0) throw new NfsStatusFailure(res.status, 'READDIRPLUS');
      for (const e of res.ok.entries) if (e.name !== '.' && e.name !== '..') yield e;
      if (res.ok.eof) return;
      const last = res.ok.entries[res.ok.entries.length - 1];
      if (last === undefined) throw new NfsStatusFailure(Nfs3Stat.NFS3ERR_IO, 'READDIRPLUS');
      cookie = last.cookie;
      cookieverf = res.ok.cookieverf;
    }
  }

  private async run<T>(syscall: string, path: string, fn: () => Promise<T>): Promise<T> {
    if (this.unmounted) throw new NfsError('ENOTCONN', 107, syscall, path, 'export is unmounted');
    try {
      return await fn();
    } catch (e) {
      throw this.toNfsError(e, syscall, path);
    }
  }

  private toNfsError(e: unknown, syscall: string, path: string): NfsError {
    if (e instanceof NfsError) return e;
    if (e instanceof NfsStatusFailure) return NfsError.fromStatus(e.status as Nfs3ErrStat, syscall, path);
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) {
      const errno = (osConstants.errno as Record<string, number>)[code] ?? 5;
      return new NfsError(code, errno, syscall, path, (e as Error).message, undefined, { cause: e });
    }
    return new NfsError('EIO', 5, syscall, path, e instanceof Error ? e.message : String(e), undefined, {
      cause: e,
    });
  }
}

/** Path components under the export root; "." dropped, ".." pops (never above the root). */
function components(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out;
}

function normalize(path: string): string {
  return `/${components(path).join('/')}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
