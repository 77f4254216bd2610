import type { NfsTime, Sattr3 } from '../codec/types.js';
import { CreateMode, Ftype3, Nfs3Stat, StableHow } from '../constants.js';
import { NfsStatusError } from '../errors.js';
import type {
  NfsStore,
  StoreAttrs,
  StoreCreateHow,
  StoreDirEntry,
  StoreDirListing,
  StoreFsStat,
} from './contract.js';
import { NfsClock } from './nfs-clock.js';

export interface MemoryStoreOptions {
  /** Total bytes of file data the store holds (FSSTAT tbytes; NFS3ERR_NOSPC beyond). Default 1 GiB. */
  readonly capacityBytes?: number;
  /** Most objects (FSSTAT tfiles). Default 1,000,000. */
  readonly maxFiles?: number;
  /** Owner of the root directory. Default 0:0. */
  readonly rootUid?: number;
  readonly rootGid?: number;
}

interface MemEntry {
  readonly id: bigint;
  readonly cookie: bigint;
}

interface MemInode {
  readonly id: bigint;
  readonly generation: number;
  readonly type: typeof Ftype3.NF3REG | typeof Ftype3.NF3DIR;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  atime: NfsTime;
  mtime: NfsTime;
  ctime: NfsTime;
  /** Regular files: bytes [0, size) are the content; the array may be larger (capacity). */
  data: Uint8Array;
  size: number;
  /** Directories: name → entry, in cookie order (a Map keeps insertion order). */
  entries: Map<string, MemEntry>;
  parent: bigint;
  nextCookie: bigint;
  cookieverf: Uint8Array;
  /** EXCLUSIVE create verifier, until the first SETATTR (RFC 1813 §3.3.8). */
  createVerf: Uint8Array | undefined;
}

const EMPTY = new Uint8Array(0);
/** Cookies 1 and 2 are "." and ".."; real entries start at 3. */
const FIRST_ENTRY_COOKIE = 3n;

/**
 * An export held in memory: the default store. Objects live in a map by fileid; directories keep
 * their entries in cookie order with a cookie fixed at insertion, so a READDIR resumed after
 * entries were removed continues where it stopped. Every write is durable at once (there is no
 * disk), so writes report FILE_SYNC except UNSTABLE ones, which report UNSTABLE until COMMIT as
 * a real server's would.
 */
export class MemoryStore implements NfsStore {
  readonly kind = 'memory';
  readonly rootId = 1n;
  private readonly inodes = new Map<bigint, MemInode>();
  private nextId = 2n;
  private nextGeneration = 1;
  private usedBytes = 0;
  private readonly capacity: number;
  private readonly maxFiles: number;
  private readonly clock = new NfsClock();

  constructor(options: MemoryStoreOptions = {}) {
    this.capacity = options.capacityBytes ?? 1 << 30;
    this.maxFiles = options.maxFiles ?? 1_000_000;
    const root = this.newInode(this.rootId, Ftype3.NF3DIR, 0o755, options.rootUid ?? 0, options.rootGid ?? 0);
    root.parent = this.rootId;
    this.inodes.set(this.rootId, root);
  }

  async getattr(id: bigint): Promise<StoreAttrs> {
    return this.attrsOf(this.get(id));
  }

  async setattr(id: bigint, a: Sattr3): Promise<void> {
    const node = this.get(id);
    const now = this.clock.now();
    if (a.size !== undefined) {
      if (node.type === Ftype3.NF3DIR)
        throw new NfsStatusError(Nfs3Stat.NFS3ERR_ISDIR, 'cannot set the size of a directory');
      this.resize(node, a.size);
      node.mtime = now;
    }
    if (a.mode !== undefined) node.mode = a.mode & 0o7777;
    if (a.uid !== undefined) node.uid = a.uid;
    if (a.gid !== undefined) node.gid = a.gid;
    if (a.atime !== undefined) node.atime = a.atime === 'server' ? now : a.atime;
    if (a.mtime !== undefined) node.mtime = a.mtime === 'server' ? now : a.mtime;
    node.createVerf = undefined;
    node.ctime = now;
  }

  async lookup(dir: bigint, name: string): Promise<bigint> {
    const d = this.dir(dir);
    if (name === '.') return d.id;
    if (name === '..') return d.parent;
    const entry = d.entries.get(name);
    if (entry === undefined)
      throw new NfsStatusError(Nfs3Stat.NFS3ERR_NOENT, `no "${name}" in directory ${dir}`);
    return entry.id;
  }

  async read(id: bigint, offset: number, count: number): Promise<{ data: Uint8Array; eof: boolean }> {
    const node = this.file(id);
    if (offset >= node.size) return { data: EMPTY, eof: true };
    const end = Math.min(node.size, offset + count);
    node.atime = this.clock.now();
    return { data: node.data.slice(offset, end), eof: end === node.size };
  }

  async write(id: bigint, offset: number, data: Uint8Array, stable: StableHow): Promise<StableHow> {
    const node = this.file(id);
    const end = offset + data.length;
    if (end > node.size) this.resize(node, end);
    node.data.set(data, offset);
    node.mtime = node.ctime = this.clock.now();
    return stable === StableHow.UNSTABLE ? StableHow.UNSTABLE : StableHow.FILE_SYNC;
  }

  async commit(id: bigint): Promise<void> {
    this.file(id);
  }

  async create(dir: bigint, name: string, how: StoreCreateHow): Promise<bigint> {
    const d = this.dir(dir);
    const existing = d.entries.get(name);
    if (existing !== undefined) {
      const node = this.get(existing.id);
      if (how.mode === CreateMode.GUARDED)
        throw new NfsStatusError(Nfs3Stat.NFS3ERR_EXIST, `"${name}" exists`);
      if (how.mode === CreateMode.EXCLUSIVE) {
        // A retransmitted EXCLUSIVE CREATE finds its own file by the verifier.
        if (node.createVerf !== undefined && equalBytes(node.createVerf, how.verf)) return node.id;
        throw new NfsStatusError(Nfs3Stat.NFS3ERR_EXIST, `"${name}" exists`);
      }
      if (node.type !== Ftype3.NF3REG)
        throw new NfsStatusError(Nfs3Stat.NFS3ERR_EXIST, `"${name}" is not a regular file`);
      if (how.attributes.size !== undefined) await this.setattr(node.id, { size: how.attributes.size });
      return node.id;
    }
    const attrs = how.mode === CreateMode.EXCLUSIVE ? {} : how.attributes;
    const node = this.link(d, name, Ftype3.NF3REG, attrs);
    if (how.mode === CreateMode.EXCLUSIVE) node.createVerf = how.verf.slice();
    if (attrs.size !== undefined && attrs.size > 0) this.resize(node, attrs.size);
    return node.id;
  }

  async mkdir(dir: bigint, name: string, attributes: Sattr3): Promise<bigint> {
    const d = this.dir(dir);
    if (d.entries.has(name)) throw new NfsStatusError(Nfs3Stat.NFS3ERR_EXIST, `"${name}" exists`);
    const node = this.link(d, name, Ftype3.NF3DIR, attributes);
    node.parent = d.id;
    d.nlink++;
    return node.id;
  }

  async remove(dir: bigint, name: string): Promise<void> {
    const d = this.dir(dir);
    const node = this.child(d, name);
    if (node.type === Ftype3.NF3DIR)
      throw new NfsStatusError(Nfs3Stat.NFS3ERR_ISDIR, `"${name}" is a directory`);
    this.unlink(d, name, node);
  }

  async rmdir(dir: bigint, name: string): Promise<void> {
    const d = this.dir(dir);
    const node = this.child(d, name);
    if (node.type !== Ftype3.NF3DIR)
      throw new NfsStatusError(Nfs3Stat.NFS3ERR_NOTDIR, `"${name}" is not a directory`);
    if (node.entries.size > 0) throw new NfsStatusError(Nfs3Stat.NFS3ERR_NOTEMPTY, `"${name}" is not empty`);
    this.unlink(d, name, node);
    d.nlink--;
  }

  async rename(fromDir: bigint, fromName: string, toDir: bigint, toName: string): Promise<void> {
    const from = this.dir(fromDir);
    const to = this.dir(toDir);
    const node = this.child(from, fromName);
    if (node.type === Ftype3.NF3DIR) {
      // Moving a directory under itself would detach a cycle from the tree (EINVAL in rename(2)).
      for (let p = to; ; p = this.get(p.parent)) {
        if (p.id === node.id)
          throw new NfsStatusError(Nfs3Stat.NFS3ERR_INVAL, 'cannot move a directory into itself');
        if (p.id === this.rootId) break;
      }
    }
    const targetEntry = to.entries.get(toName);
    if (targetEntry !== undefined) {
      if (targetEntry.id === node.id) return;
      const target = this.get(targetEntry.id);
      if (node.type === Ftype3.NF3DIR && target.type !== Ftype3.NF3DIR) {
        throw new NfsStatusError(Nfs3Stat.NFS3ERR_NOTDIR, `"${toName}" is not a directory`);
      }
      if (node.type !== Ftype3.NF3DIR && target.type === Ftype3.NF3DIR) {
        throw new NfsStatusError(Nfs3Stat.NFS3ERR_ISDIR, `"${toName}" is a directory`);
      }
      if (target.type === Ftype3.NF3DIR && target.entries.size > 0) {
        throw new NfsStatusError(Nfs3Stat.NFS3ERR_NOTEMPTY, `"${toName}" is not empty`);
      }
      this.unlink(to, toName, target);
      if (target.type === Ftype3.NF3DIR) to.nlink--;
    }
    const now = this.clock.now();
    from.entries.delete(fromName);
    from.mtime = from.ctime = now;
    to.entries.set(toName, { id: node.id, cookie: to.nextCookie++ });
    to.mtime = to.ctime = now;
    node.ctime = now;
    if (node.type === Ftype3.NF3DIR && from !== to) {
      node.parent = to.id;
      from.nlink--;
      to.nlink++;
    }
  }

  async readdir(dir: bigint, cookie: bigint, cookieverf: Uint8Array): Promise<StoreDirListing> {
    const d = this.dir(dir);
    if (cookie !== 0n && !isZero(cookieverf) && !equalBytes(cookieverf, d.cookieverf)) {
      throw new NfsStatusError(
        Nfs3Stat.NFS3ERR_BAD_COOKIE,
        `cookie verifier does not match directory ${dir}`,
      );
    }
    const out: StoreDirEntry[] = [];
    if (cookie < 1n) out.push({ name: '.', fileid: d.id, cookie: 1n });
    if (cookie < 2n) out.push({ name: '..', fileid: d.parent, cookie: 2n });
    for (const [name, e] of d.entries)
      if (e.cookie > cookie) out.push({ name, fileid: e.id, cookie: e.cookie });
    return { cookieverf: d.cookieverf, entries: out };
  }

  async fsstat(): Promise<StoreFsStat> {
    const free = BigInt(Math.max(0, this.capacity - this.usedBytes));
    const freeFiles = BigInt(Math.max(0, this.maxFiles - this.inodes.size));
    return {
      tbytes: BigInt(this.capacity),
      fbytes: free,
      abytes: free,
      tfiles: BigInt(this.maxFiles),
      ffiles: freeFiles,
      afiles: freeFiles,
    };
  }

  async close(): Promise<void> {}

  private newInode(id: bigint, type: MemInode['type'], mode: number, uid: number, gid: number): MemInode {
    const now = this.clock.now();
    const verf = new Uint8Array(8);
    new DataView(verf.buffer).setBigUint64(0, id);
    return {
      id,
      generation: this.nextGeneration++,
      type,
      mode: mode & 0o7777,
      uid,
      gid,
      nlink: type === Ftype3.NF3DIR ? 2 : 1,
      atime: now,
      mtime: now,
      ctime: now,
      data: EMPTY,
      size: 0,
      entries: new Map(),
      parent: this.rootId,
      nextCookie: FIRST_ENTRY_COOKIE,
      cookieverf: verf,
      createVerf: undefined,
    };
  }

  private link(d: MemInode, name: string, type: MemInode['type'], a: Sattr3): MemInode {
    if (this.inodes.size >= this.maxFiles) throw new NfsStatusError(Nfs3Stat.NFS3ERR_NOSPC, 'no free inodes');
    const defaultMode = type === Ftype3.NF3DIR ? 0o755 : 0o644;
    const node = this.newInode(this.nextId++, type, a.mode ?? defaultMode, a.uid ?? 0, a.gid ?? 0);
    this.inodes.set(node.id, node);
    d.entries.set(name, { id: node.id, cookie: d.nextCookie++ });
    d.mtime = d.ctime = this.clock.now();
    return node;
  }

  private unlink(d: MemInode, name: string, node: MemInode): void {
    d.entries.delete(name);
    d.mtime = d.ctime = this.clock.now();
    this.usedBytes -= node.data.length;
    this.inodes.delete(node.id);
  }

  private resize(node: MemInode, size: number): void {
    if (size > node.data.length) {
      const capacity = Math.max(size, Math.min(node.data.length * 2, size + (64 << 20)));
      const grow = capacity - node.data.length;
      if (this.usedBytes + grow > this.capacity) {
        if (this.usedBytes + (size - node.data.length) > this.capacity) {
          throw new NfsStatusError(Nfs3Stat.NFS3ERR_NOSPC, `no room for ${size} bytes`);
        }
        this.grow(node, size);
      } else {
        this.grow(node, capacity);
      }
    } else if (size < node.size) {
      // Bytes past the new end must read back as zeros if the file grows again.
      node.data.fill(0, size, node.size);
    }
    node.size = size;
  }

  private grow(node: MemInode, capacity: number): void {
    const next = new Uint8Array(capacity);
    next.set(node.data.subarray(0, node.size));
    this.usedBytes += capacity - node.data.length;
    node.data = next;
  }

  private get(id: bigint): MemInode {
    const node = this.inodes.get(id);
    if (node === undefined) throw new NfsStatusError(Nfs3Stat.NFS3ERR_STALE, `object ${id} no longer exists`);
    return node;
  }

  private dir(id: bigint): MemInode {
    const node = this.get(id);
    if (node.type !== Ftype3.NF3DIR)
      throw new NfsStatusError(Nfs3Stat.NFS3ERR_NOTDIR, `object ${id} is not a directory`);
    return node;
  }

  private file(id: bigint): MemInode {
    const node = this.get(id);
    if (node.type === Ftype3.NF3DIR)
      throw new NfsStatusError(Nfs3Stat.NFS3ERR_ISDIR, `object ${id} is a directory`);
    return node;
  }

  private child(d: MemInode, name: string): MemInode {
    const entry = d.entries.get(name);
    if (entry === undefined)
      throw new NfsStatusError(Nfs3Stat.NFS3ERR_NOENT, `no "${name}" in directory ${d.id}`);
    return this.get(entry.id);
  }

  private attrsOf(n: MemInode): StoreAttrs {
    return {
      type: n.type,
      mode: n.mode,
      nlink: n.nlink,
      uid: n.uid,
      gid: n.gid,
      size: n.type === Ftype3.NF3DIR ? 4096 : n.size,
      used: n.type === Ftype3.NF3DIR ? 4096 : Math.ceil(n.size / 4096) * 4096,
      fileid: n.id,
      generation: n.generation,
      atime: n.atime,
      mtime: n.mtime,
      ctime: n.ctime,
    };
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isZero(a: Uint8Array): boolean {
  for (const b of a) if (b !== 0) return false;
  return true;
}
