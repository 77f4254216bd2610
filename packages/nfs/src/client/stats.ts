import type { Fattr3, NfsTime } from '../codec/types.js';
import { Ftype3 } from '../constants.js';

/** S_IFMT bits of each ftype3 (Linux include/uapi/linux/stat.h). */
const S_IF: Readonly<Record<number, number>> = {
  [Ftype3.NF3REG]: 0o100000,
  [Ftype3.NF3DIR]: 0o040000,
  [Ftype3.NF3BLK]: 0o060000,
  [Ftype3.NF3CHR]: 0o020000,
  [Ftype3.NF3LNK]: 0o120000,
  [Ftype3.NF3SOCK]: 0o140000,
  [Ftype3.NF3FIFO]: 0o010000,
};

const ms = (t: NfsTime) => t.seconds * 1000 + t.nseconds / 1e6;

/** The answers of node:fs Stats/Dirent type tests, from an ftype3. */
abstract class TypedEntry {
  protected abstract readonly ftype: number;
  isFile(): boolean {
    return this.ftype === Ftype3.NF3REG;
  }
  isDirectory(): boolean {
    return this.ftype === Ftype3.NF3DIR;
  }
  isSymbolicLink(): boolean {
    return this.ftype === Ftype3.NF3LNK;
  }
  isBlockDevice(): boolean {
    return this.ftype === Ftype3.NF3BLK;
  }
  isCharacterDevice(): boolean {
    return this.ftype === Ftype3.NF3CHR;
  }
  isFIFO(): boolean {
    return this.ftype === Ftype3.NF3FIFO;
  }
  isSocket(): boolean {
    return this.ftype === Ftype3.NF3SOCK;
  }
}

/** File attributes shaped like node:fs Stats, with the fattr3 they came from. */
export class NfsStats extends TypedEntry {
  protected readonly ftype: number;
  readonly dev: number;
  readonly ino: number;
  /** File type bits and permission bits, as stat(2) reports them. */
  readonly mode: number;
  readonly nlink: number;
  readonly uid: number;
  readonly gid: number;
  readonly rdev: number;
  readonly size: number;
  readonly blksize = 4096;
  readonly blocks: number;
  readonly atimeMs: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly birthtimeMs: number;
  readonly atime: Date;
  readonly mtime: Date;
  readonly ctime: Date;
  readonly birthtime: Date;

  constructor(readonly fattr: Fattr3) {
    super();
    this.ftype = fattr.type;
    this.dev = Number(fattr.fsid & 0xffff_ffffn);
    this.ino = Number(fattr.fileid);
    this.mode = (S_IF[fattr.type] ?? 0) | (fattr.mode & 0o7777);
    this.nlink = fattr.nlink;
    this.uid = fattr.uid;
    this.gid = fattr.gid;
    this.rdev = (fattr.rdev.specdata1 << 8) | fattr.rdev.specdata2;
    this.size = fattr.size;
    this.blocks = Math.ceil(fattr.used / 512);
    this.atimeMs = ms(fattr.atime);
    this.mtimeMs = ms(fattr.mtime);
    this.ctimeMs = ms(fattr.ctime);
    this.birthtimeMs = this.ctimeMs;
    this.atime = new Date(this.atimeMs);
    this.mtime = new Date(this.mtimeMs);
    this.ctime = new Date(this.ctimeMs);
    this.birthtime = new Date(this.birthtimeMs);
  }
}

/** A directory entry shaped like node:fs Dirent (readdir withFileTypes). */
export class NfsDirent extends TypedEntry {
  constructor(
    readonly name: string,
    /** The directory the entry is in. */
    readonly parentPath: string,
    protected readonly ftype: number,
  ) {
    super();
  }
}
