import type { XdrDecoder, XdrEncoder } from '@rdmalab/sunrpc';
import { FTYPES, type Ftype3, NFS_MAXPATHLEN, NFS3_FHSIZE, TimeHow } from '../constants.js';
import type { DirOpArgs, Fattr3, NfsTime, Sattr3, SetTime, WccAttr, WccData } from './types.js';

/*
 * The structures every NFSv3 procedure shares (RFC 1813 §2.5–2.6): nfs_fh3, nfstime3, fattr3,
 * post_op_attr, wcc_attr/pre_op_attr, wcc_data, post_op_fh3, sattr3, diropargs3.
 */

const TIME_HOWS: ReadonlySet<number> = new Set(Object.values(TimeHow));

/** nfs_fh3: opaque data<NFS3_FHSIZE>. Decoded handles are copied (they outlive the buffer). */
export function writeFh(enc: XdrEncoder, fh: Uint8Array, field = 'nfs_fh3'): void {
  enc.writeOpaque(fh, NFS3_FHSIZE, field);
}
export function readFh(dec: XdrDecoder, field = 'nfs_fh3'): Uint8Array {
  return dec.readOpaque(field, NFS3_FHSIZE).slice();
}

/** filename3: string<>; bounded on decode by NFS_MAXPATHLEN so a length cannot exhaust memory. */
export function writeName(enc: XdrEncoder, name: string, field = 'filename3'): void {
  enc.writeString(name, NFS_MAXPATHLEN, field);
}
export function readName(dec: XdrDecoder, field = 'filename3'): string {
  return dec.readString(field, NFS_MAXPATHLEN);
}

export function writeTime(enc: XdrEncoder, t: NfsTime, field = 'nfstime3'): void {
  enc.writeUint(t.seconds, `${field}.seconds`);
  enc.writeUint(t.nseconds, `${field}.nseconds`);
}
export function readTime(dec: XdrDecoder, field = 'nfstime3'): NfsTime {
  const seconds = dec.readUint(`${field}.seconds`);
  const nseconds = dec.readUint(`${field}.nseconds`);
  return { seconds, nseconds };
}

export function writeFattr(enc: XdrEncoder, a: Fattr3, field = 'fattr3'): void {
  enc.writeEnum(a.type, FTYPES, `${field}.type`);
  enc.writeUint(a.mode, `${field}.mode`);
  enc.writeUint(a.nlink, `${field}.nlink`);
  enc.writeUint(a.uid, `${field}.uid`);
  enc.writeUint(a.gid, `${field}.gid`);
  enc.writeUhyper(a.size, `${field}.size`);
  enc.writeUhyper(a.used, `${field}.used`);
  enc.writeUint(a.rdev.specdata1, `${field}.rdev.specdata1`);
  enc.writeUint(a.rdev.specdata2, `${field}.rdev.specdata2`);
  enc.writeUhyper(a.fsid, `${field}.fsid`);
  enc.writeUhyper(a.fileid, `${field}.fileid`);
  writeTime(enc, a.atime, `${field}.atime`);
  writeTime(enc, a.mtime, `${field}.mtime`);
  writeTime(enc, a.ctime, `${field}.ctime`);
}
export function readFattr(dec: XdrDecoder, field = 'fattr3'): Fattr3 {
  const type = dec.readEnum(`${field}.type`, FTYPES) as Ftype3;
  const mode = dec.readUint(`${field}.mode`);
  const nlink = dec.readUint(`${field}.nlink`);
  const uid = dec.readUint(`${field}.uid`);
  const gid = dec.readUint(`${field}.gid`);
  const size = dec.readUhyperNumber(`${field}.size`);
  const used = dec.readUhyperNumber(`${field}.used`);
  const specdata1 = dec.readUint(`${field}.rdev.specdata1`);
  const specdata2 = dec.readUint(`${field}.rdev.specdata2`);
  const fsid = dec.readUhyper(`${field}.fsid`);
  const fileid = dec.readUhyper(`${field}.fileid`);
  const atime = readTime(dec, `${field}.atime`);
  const mtime = readTime(dec, `${field}.mtime`);
  const ctime = readTime(dec, `${field}.ctime`);
  return {
    type,
    mode,
    nlink,
    uid,
    gid,
    size,
    used,
    rdev: { specdata1, specdata2 },
    fsid,
    fileid,
    atime,
    mtime,
    ctime,
  };
}

/** post_op_attr: bool attributes_follow; fattr3. */
export function writePostOpAttr(enc: XdrEncoder, a: Fattr3 | undefined, field = 'post_op_attr'): void {
  enc.writeOptional(a, (e, v) => writeFattr(e, v, field), field);
}
export function readPostOpAttr(dec: XdrDecoder, field = 'post_op_attr'): Fattr3 | undefined {
  return dec.readOptional(field, (d) => readFattr(d, field));
}

/** pre_op_attr: bool attributes_follow; wcc_attr. */
export function writePreOpAttr(enc: XdrEncoder, a: WccAttr | undefined, field = 'pre_op_attr'): void {
  enc.writeOptional(
    a,
    (e, v) => {
      e.writeUhyper(v.size, `${field}.size`);
      writeTime(e, v.mtime, `${field}.mtime`);
      writeTime(e, v.ctime, `${field}.ctime`);
    },
    field,
  );
}
export function readPreOpAttr(dec: XdrDecoder, field = 'pre_op_attr'): WccAttr | undefined {
  return dec.readOptional(field, (d) => {
    const size = d.readUhyperNumber(`${field}.size`);
    const mtime = readTime(d, `${field}.mtime`);
    const ctime = readTime(d, `${field}.ctime`);
    return { size, mtime, ctime };
  });
}

export function writeWcc(enc: XdrEncoder, w: WccData, field = 'wcc_data'): void {
  writePreOpAttr(enc, w.before, `${field}.before`);
  writePostOpAttr(enc, w.after, `${field}.after`);
}
export function readWcc(dec: XdrDecoder, field = 'wcc_data'): WccData {
  const before = readPreOpAttr(dec, `${field}.before`);
  const after = readPostOpAttr(dec, `${field}.after`);
  return { before, after };
}

/** post_op_fh3: bool handle_follows; nfs_fh3. */
export function writePostOpFh(enc: XdrEncoder, fh: Uint8Array | undefined, field = 'post_op_fh3'): void {
  enc.writeOptional(fh, (e, v) => writeFh(e, v, field), field);
}
export function readPostOpFh(dec: XdrDecoder, field = 'post_op_fh3'): Uint8Array | undefined {
  return dec.readOptional(field, (d) => readFh(d, field));
}

function writeSetTime(enc: XdrEncoder, t: SetTime | undefined, field: string): void {
  if (t === undefined) enc.writeUnion(TimeHow.DONT_CHANGE, undefined, field);
  else if (t === 'server') enc.writeUnion(TimeHow.SET_TO_SERVER_TIME, undefined, field);
  else enc.writeUnion(TimeHow.SET_TO_CLIENT_TIME, (e) => writeTime(e, t, field), field);
}
function readSetTime(dec: XdrDecoder, field: string): SetTime | undefined {
  const how = dec.readEnum(field, TIME_HOWS);
  if (how === TimeHow.DONT_CHANGE) return undefined;
  if (how === TimeHow.SET_TO_SERVER_TIME) return 'server';
  return readTime(dec, field);
}

/** sattr3: each field is a union on a "set_it" boolean (times on time_how). */
export function writeSattr(enc: XdrEncoder, s: Sattr3, field = 'sattr3'): void {
  enc.writeOptional(s.mode, (e, v) => e.writeUint(v, `${field}.mode`), `${field}.mode`);
  enc.writeOptional(s.uid, (e, v) => e.writeUint(v, `${field}.uid`), `${field}.uid`);
  enc.writeOptional(s.gid, (e, v) => e.writeUint(v, `${field}.gid`), `${field}.gid`);
  enc.writeOptional(s.size, (e, v) => e.writeUhyper(v, `${field}.size`), `${field}.size`);
  writeSetTime(enc, s.atime, `${field}.atime`);
  writeSetTime(enc, s.mtime, `${field}.mtime`);
}
export function readSattr(dec: XdrDecoder, field = 'sattr3'): Sattr3 {
  const mode = dec.readOptional(`${field}.mode`, (d) => d.readUint(`${field}.mode`));
  const uid = dec.readOptional(`${field}.uid`, (d) => d.readUint(`${field}.uid`));
  const gid = dec.readOptional(`${field}.gid`, (d) => d.readUint(`${field}.gid`));
  const size = dec.readOptional(`${field}.size`, (d) => d.readUhyperNumber(`${field}.size`));
  const atime = readSetTime(dec, `${field}.atime`);
  const mtime = readSetTime(dec, `${field}.mtime`);
  const out: { -readonly [K in keyof Sattr3]: Sattr3[K] } = {};
  if (mode !== undefined) out.mode = mode;
  if (uid !== undefined) out.uid = uid;
  if (gid !== undefined) out.gid = gid;
  if (size !== undefined) out.size = size;
  if (atime !== undefined) out.atime = atime;
  if (mtime !== undefined) out.mtime = mtime;
  return out;
}

export function writeDirOpArgs(enc: XdrEncoder, a: DirOpArgs, field = 'diropargs3'): void {
  writeFh(enc, a.dir, `${field}.dir`);
  writeName(enc, a.name, `${field}.name`);
}
export function readDirOpArgs(dec: XdrDecoder, field = 'diropargs3'): DirOpArgs {
  const dir = readFh(dec, `${field}.dir`);
  const name = readName(dec, `${field}.name`);
  return { dir, name };
}
