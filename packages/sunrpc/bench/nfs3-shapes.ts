import type { Page } from '@rdmalab/kernel';
import { XDRBUF_READ, type XdrDecoder, type XdrEncoder, type XdrPageRange } from '../src/index.js';

/** fattr3 (RFC 1813 §2.6) with the 64-bit fields as numbers, as an NFS client keeps them. */
export interface Fattr3 {
  type: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  used: number;
  rdev: [number, number];
  fsid: number;
  fileid: number;
  atime: [number, number];
  mtime: [number, number];
  ctime: [number, number];
}

export const FATTR: Fattr3 = {
  type: 1,
  mode: 0o100644,
  nlink: 1,
  uid: 1000,
  gid: 1000,
  size: 123_456_789,
  used: 123_457_536,
  rdev: [0, 0],
  fsid: 0x1234_5678_9a,
  fileid: 0x77_0000_0001,
  atime: [1_700_000_000, 1],
  mtime: [1_700_000_001, 2],
  ctime: [1_700_000_002, 3],
};

const FTYPES: ReadonlySet<number> = new Set([1, 2, 3, 4, 5, 6, 7]);

export function writeFattr3(e: XdrEncoder, a: Fattr3): void {
  e.writeUint(a.type);
  e.writeUint(a.mode);
  e.writeUint(a.nlink);
  e.writeUint(a.uid);
  e.writeUint(a.gid);
  e.writeUhyper(a.size);
  e.writeUhyper(a.used);
  e.writeUint(a.rdev[0]);
  e.writeUint(a.rdev[1]);
  e.writeUhyper(a.fsid);
  e.writeUhyper(a.fileid);
  e.writeUint(a.atime[0]);
  e.writeUint(a.atime[1]);
  e.writeUint(a.mtime[0]);
  e.writeUint(a.mtime[1]);
  e.writeUint(a.ctime[0]);
  e.writeUint(a.ctime[1]);
}

export function readFattr3(d: XdrDecoder): Fattr3 {
  return {
    type: d.readEnum('fattr3.type', FTYPES),
    mode: d.readUint('fattr3.mode'),
    nlink: d.readUint('fattr3.nlink'),
    uid: d.readUint('fattr3.uid'),
    gid: d.readUint('fattr3.gid'),
    size: d.readUhyperNumber('fattr3.size'),
    used: d.readUhyperNumber('fattr3.used'),
    rdev: [d.readUint('specdata1'), d.readUint('specdata2')],
    fsid: d.readUhyperNumber('fattr3.fsid'),
    fileid: d.readUhyperNumber('fattr3.fileid'),
    atime: [d.readUint('atime.seconds'), d.readUint('atime.nseconds')],
    mtime: [d.readUint('mtime.seconds'), d.readUint('mtime.nseconds')],
    ctime: [d.readUint('ctime.seconds'), d.readUint('ctime.nseconds')],
  };
}

/** GETATTR3res, NFS3_OK arm. */
export function writeGetattrOk(e: XdrEncoder, a: Fattr3): void {
  e.writeUint(0);
  writeFattr3(e, a);
}

export function readGetattr(d: XdrDecoder): { status: number; attr?: Fattr3 } {
  const status = d.readUint('nfsstat3');
  return status === 0 ? { status, attr: readFattr3(d) } : { status };
}

/** READ3res, NFS3_OK arm, data handed over as pages. */
export function writeReadOkPages(e: XdrEncoder, a: Fattr3, pages: readonly Page[], count: number): void {
  e.writeUint(0);
  e.writeBool(true);
  writeFattr3(e, a);
  e.writeUint(count);
  e.writeBool(true);
  e.writeOpaquePages(pages, 0, count, XDRBUF_READ);
}

/** READ3res, NFS3_OK arm, data copied into the stream. */
export function writeReadOkBytes(e: XdrEncoder, a: Fattr3, data: Uint8Array): void {
  e.writeUint(0);
  e.writeBool(true);
  writeFattr3(e, a);
  e.writeUint(data.length);
  e.writeBool(true);
  e.writeOpaque(data);
}

export interface ReadHeader {
  status: number;
  attr?: Fattr3;
  count: number;
  eof: boolean;
}

function readReadHeader(d: XdrDecoder): ReadHeader {
  const status = d.readUint('nfsstat3');
  const attr = d.readOptional('post_op_attr', readFattr3);
  return { status, attr, count: d.readUint('READ3resok.count'), eof: d.readBool('READ3resok.eof') };
}

/** READ3res decoded with the data returned as bytes (a view when contiguous). */
export function readReadBytes(d: XdrDecoder): ReadHeader & { data: Uint8Array } {
  const h = readReadHeader(d);
  return { ...h, data: d.readOpaque('READ3resok.data', 1 << 20) };
}

/** READ3res decoded with the data placed into the caller's pages (the page cache). */
export function readReadInto(d: XdrDecoder, dst: XdrPageRange): ReadHeader & { length: number } {
  const h = readReadHeader(d);
  return { ...h, length: d.readOpaqueInto('READ3resok.data', dst) };
}
