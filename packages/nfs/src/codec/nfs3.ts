// @rdmalab/sunrpc loads tsyringe at import time, which needs the metadata polyfill first.
import 'reflect-metadata';
import {
  XDRBUF_READ,
  XDRBUF_WRITE,
  type XdrDecoder,
  type XdrEncoder,
  type XdrPageRange,
} from '@rdmalab/sunrpc';
import {
  CREATE_MODES,
  CreateMode,
  NFS3_COOKIEVERFSIZE,
  NFS3_CREATEVERFSIZE,
  NFS3_STATS,
  NFS3_WRITEVERFSIZE,
  type Nfs3ErrStat,
  Nfs3Proc,
  STABLE_HOWS,
  type StableHow,
} from '../constants.js';
import {
  readDirOpArgs,
  readFattr,
  readFh,
  readName,
  readPostOpAttr,
  readPostOpFh,
  readSattr,
  readTime,
  readWcc,
  writeDirOpArgs,
  writeFattr,
  writeFh,
  writeName,
  writePostOpAttr,
  writePostOpFh,
  writeSattr,
  writeTime,
  writeWcc,
} from './attrs.js';
import type {
  AccessArgs,
  AccessOk,
  AttrFail,
  CommitArgs,
  CommitOk,
  CreateArgs,
  CreateHow,
  DirEntry,
  DirEntryPlus,
  DirWccFail,
  DirWccOk,
  FsinfoOk,
  FsrootArgs,
  FsstatOk,
  GetattrArgs,
  GetattrOk,
  LookupArgs,
  LookupFail,
  LookupOk,
  MkdirArgs,
  NewObjectOk,
  Nfs3Result,
  PathconfArgs,
  PathconfOk,
  PayloadBytes,
  ReadArgs,
  ReaddirArgs,
  ReaddirOk,
  ReaddirplusArgs,
  ReaddirplusOk,
  ReadOk,
  RemoveArgs,
  RenameArgs,
  RenameWcc,
  SetattrArgs,
  WccFail,
  WriteArgs,
  WriteOk,
} from './types.js';

/** Options for decoding a result. */
export interface DecodeResultOptions {
  /** READ: place the data into these pages (the page cache) instead of returning a copy. */
  readonly readInto?: XdrPageRange;
}

/** Encoder and decoder of one NFSv3 procedure's arguments and results (RFC 1813 §3.3). */
export interface Nfs3ProcCodec<A, R> {
  readonly proc: Nfs3Proc;
  readonly name: string;
  encodeArgs(enc: XdrEncoder, args: A): void;
  decodeArgs(dec: XdrDecoder): A;
  encodeRes(enc: XdrEncoder, res: R): void;
  decodeRes(dec: XdrDecoder, options?: DecodeResultOptions): R;
}

export type GetattrRes = Nfs3Result<GetattrOk, undefined>;
export type SetattrRes = Nfs3Result<WccFail, WccFail>;
export type LookupRes = Nfs3Result<LookupOk, LookupFail>;
export type AccessRes = Nfs3Result<AccessOk, AttrFail>;
export type ReadRes = Nfs3Result<ReadOk, AttrFail>;
export type WriteRes = Nfs3Result<WriteOk, WccFail>;
export type CreateRes = Nfs3Result<NewObjectOk, DirWccFail>;
export type MkdirRes = CreateRes;
export type RemoveRes = Nfs3Result<DirWccOk, DirWccFail>;
export type RmdirRes = RemoveRes;
export type RenameRes = Nfs3Result<RenameWcc, RenameWcc>;
export type ReaddirRes = Nfs3Result<ReaddirOk, AttrFail>;
export type ReaddirplusRes = Nfs3Result<ReaddirplusOk, AttrFail>;
export type FsstatRes = Nfs3Result<FsstatOk, AttrFail>;
export type FsinfoRes = Nfs3Result<FsinfoOk, AttrFail>;
export type PathconfRes = Nfs3Result<PathconfOk, AttrFail>;
export type CommitRes = Nfs3Result<CommitOk, WccFail>;

/** nfsstat3 then the resok or resfail arm. */
function writeResult<Ok, Fail>(
  enc: XdrEncoder,
  res: Nfs3Result<Ok, Fail>,
  writeOk: (enc: XdrEncoder, ok: Ok) => void,
  writeFail: (enc: XdrEncoder, fail: Fail) => void,
): void {
  enc.writeEnum(res.status, NFS3_STATS, 'nfsstat3');
  if (res.status === 0) writeOk(enc, res.ok);
  else writeFail(enc, res.fail);
}

function readResult<Ok, Fail>(
  dec: XdrDecoder,
  readOk: (dec: XdrDecoder) => Ok,
  readFail: (dec: XdrDecoder) => Fail,
): Nfs3Result<Ok, Fail> {
  const status = dec.readEnum('nfsstat3', NFS3_STATS);
  if (status === 0) return { status: 0, ok: readOk(dec) };
  return { status: status as Nfs3ErrStat, fail: readFail(dec) };
}

function writeVerf(enc: XdrEncoder, verf: Uint8Array, size: number, field: string): void {
  enc.writeFixedOpaque(verf, size, field);
}
function readVerf(dec: XdrDecoder, size: number, field: string): Uint8Array {
  return dec.readFixedOpaque(field, size).slice();
}

const attrFail = {
  write: (enc: XdrEncoder, f: AttrFail) => writePostOpAttr(enc, f.attributes, 'resfail.attributes'),
  read: (dec: XdrDecoder): AttrFail => ({ attributes: readPostOpAttr(dec, 'resfail.attributes') }),
};
const wccArm = {
  write: (enc: XdrEncoder, f: WccFail) => writeWcc(enc, f.wcc),
  read: (dec: XdrDecoder): WccFail => ({ wcc: readWcc(dec) }),
};
const dirWccArm = {
  write: (enc: XdrEncoder, f: DirWccFail) => writeWcc(enc, f.dirWcc, 'dir_wcc'),
  read: (dec: XdrDecoder): DirWccFail => ({ dirWcc: readWcc(dec, 'dir_wcc') }),
};
const renameArm = {
  write: (enc: XdrEncoder, r: RenameWcc) => {
    writeWcc(enc, r.fromDirWcc, 'fromdir_wcc');
    writeWcc(enc, r.toDirWcc, 'todir_wcc');
  },
  read: (dec: XdrDecoder): RenameWcc => ({
    fromDirWcc: readWcc(dec, 'fromdir_wcc'),
    toDirWcc: readWcc(dec, 'todir_wcc'),
  }),
};

function fhArgs<K extends string>(key: K, name: string) {
  return {
    write: (enc: XdrEncoder, a: Readonly<Record<K, Uint8Array>>) => writeFh(enc, a[key], `${name}.${key}`),
    read: (dec: XdrDecoder) => ({ [key]: readFh(dec, `${name}.${key}`) }) as Record<K, Uint8Array>,
  };
}

function writePayload(enc: XdrEncoder, data: PayloadBytes, flags: number, field: string): void {
  if (data instanceof Uint8Array) enc.writeOpaque(data, 0xffffffff, field);
  else enc.writeOpaquePages(data.pages, data.base, data.length, flags, 0xffffffff, field);
}

export const NULL3: Nfs3ProcCodec<undefined, undefined> = {
  proc: Nfs3Proc.NULL,
  name: 'NULL',
  encodeArgs: () => {},
  decodeArgs: () => undefined,
  encodeRes: () => {},
  decodeRes: () => undefined,
};

const getattrArgs = fhArgs('object', 'GETATTR3args');
export const GETATTR3: Nfs3ProcCodec<GetattrArgs, GetattrRes> = {
  proc: Nfs3Proc.GETATTR,
  name: 'GETATTR',
  encodeArgs: getattrArgs.write,
  decodeArgs: getattrArgs.read,
  encodeRes: (enc, res) =>
    writeResult(
      enc,
      res,
      (e, ok) => writeFattr(e, ok.attributes, 'GETATTR3resok.obj_attributes'),
      () => {},
    ),
  decodeRes: (dec) =>
    readResult(
      dec,
      (d) => ({ attributes: readFattr(d, 'GETATTR3resok.obj_attributes') }),
      () => undefined,
    ),
};

export const SETATTR3: Nfs3ProcCodec<SetattrArgs, SetattrRes> = {
  proc: Nfs3Proc.SETATTR,
  name: 'SETATTR',
  encodeArgs: (enc, a) => {
    writeFh(enc, a.object, 'SETATTR3args.object');
    writeSattr(enc, a.attributes, 'SETATTR3args.new_attributes');
    enc.writeOptional(a.guard, (e, t) => writeTime(e, t, 'SETATTR3args.guard'), 'SETATTR3args.guard');
  },
  decodeArgs: (dec) => {
    const object = readFh(dec, 'SETATTR3args.object');
    const attributes = readSattr(dec, 'SETATTR3args.new_attributes');
    const guard = dec.readOptional('SETATTR3args.guard', (d) => readTime(d, 'SETATTR3args.guard'));
    return guard === undefined ? { object, attributes } : { object, attributes, guard };
  },
  encodeRes: (enc, res) => writeResult(enc, res, wccArm.write, wccArm.write),
  decodeRes: (dec) => readResult(dec, wccArm.read, wccArm.read),
};

export const LOOKUP3: Nfs3ProcCodec<LookupArgs, LookupRes> = {
  proc: Nfs3Proc.LOOKUP,
  name: 'LOOKUP',
  encodeArgs: (enc, a) => writeDirOpArgs(enc, a.what, 'LOOKUP3args.what'),
  decodeArgs: (dec) => ({ what: readDirOpArgs(dec, 'LOOKUP3args.what') }),
  encodeRes: (enc, res) =>
    writeResult(
      enc,
      res,
      (e, ok) => {
        writeFh(e, ok.object, 'LOOKUP3resok.object');
        writePostOpAttr(e, ok.attributes, 'LOOKUP3resok.obj_attributes');
        writePostOpAttr(e, ok.dirAttributes, 'LOOKUP3resok.dir_attributes');
      },
      (e, f) => writePostOpAttr(e, f.dirAttributes, 'LOOKUP3resfail.dir_attributes'),
    ),
  decodeRes: (dec) =>
    readResult(
      dec,
      (d) => ({
        object: readFh(d, 'LOOKUP3resok.object'),
        attributes: readPostOpAttr(d, 'LOOKUP3resok.obj_attributes'),
        dirAttributes: readPostOpAttr(d, 'LOOKUP3resok.dir_attributes'),
      }),
      (d) => ({ dirAttributes: readPostOpAttr(d, 'LOOKUP3resfail.dir_attributes') }),
    ),
};

export const ACCESS3: Nfs3ProcCodec<AccessArgs, AccessRes> = {
  proc: Nfs3Proc.ACCESS,
  name: 'ACCESS',
  encodeArgs: (enc, a) => {
    writeFh(enc, a.object, 'ACCESS3args.object');
    enc.writeUint(a.access, 'ACCESS3args.access');
  },
  decodeArgs: (dec) => ({
    object: readFh(dec, 'ACCESS3args.object'),
    access: dec.readUint('ACCESS3args.access'),
  }),
  encodeRes: (enc, res) =>
    writeResult(
      enc,
      res,
      (e, ok) => {
        writePostOpAttr(e, ok.attributes, 'ACCESS3resok.obj_attributes');
        e.writeUint(ok.access, 'ACCESS3resok.access');
      },
      attrFail.write,
    ),
  decodeRes: (dec) =>
    readResult(
      dec,
      (d) => ({
        attributes: readPostOpAttr(d, 'ACCESS3resok.obj_attributes'),
        access: d.readUint('ACCESS3resok.access'),
      }),
      attrFail.read,
    ),
};

export const READ3: Nfs3ProcCodec<ReadArgs, ReadRes> = {
  proc: Nfs3Proc.READ,
  name: 'READ',
  encodeArgs: (enc, a) => {
    writeFh(enc, a.file, 'READ3args.file');
    enc.writeUhyper(a.offset, 'READ3args.offset');
    enc.writeUint(a.count, 'READ3args.count');
  },
  decodeArgs: (dec) => ({
    file: readFh(dec, 'READ3args.file'),
    offset: dec.readUhyperNumber('READ3args.offset'),
    count: dec.readUint('READ3args.count'),
  }),
  // The data goes in the page list flagged XDRBUF_READ, so an RDMA transport can Write it.
  encodeRes: (enc, res) =>
    writeResult(
      enc,
      res,
      (e, ok) => {
        writePostOpAttr(e, ok.attributes, 'READ3resok.file_attributes');
        e.writeUint(ok.count, 'READ3resok.count');
        e.writeBool(ok.eof, 'READ3resok.eof');
        writePayload(e, ok.data, XDRBUF_READ, 'READ3resok.data');
      },
      attrFail.write,
    ),
  decodeRes: (dec, options) =>
    readResult(
      dec,
      (d) => {
        const attributes = readPostOpAttr(d, 'READ3resok.file_attributes');
        const count = d.readUint('READ3resok.count');
        const eof = d.readBool('READ3resok.eof');
        const into = options?.readInto;
        let data: PayloadBytes;
        if (into === undefined) {
          data = d.readOpaque('READ3resok.data').slice();
        } else {
          const n = d.readOpaqueInto('READ3resok.data', into);
          data = { pages: into.pages, base: into.base, length: n };
        }
        return { attributes, count, eof, data };
      },
      attrFail.read,
    ),
};

export const WRITE3: Nfs3ProcCodec<WriteArgs, WriteRes> = {
  proc: Nfs3Proc.WRITE,
  name: 'WRITE',
  // The data goes in the page list flagged XDRBUF_WRITE, so an RDMA transport can offer a Read chunk.
  encodeArgs: (enc, a) => {
    writeFh(enc, a.file, 'WRITE3args.file');
    enc.writeUhyper(a.offset, 'WRITE3args.offset');
    enc.writeUint(a.count, 'WRITE3args.count');
    enc.writeEnum(a.stable, STABLE_HOWS, 'WRITE3args.stable');
    writePayload(enc, a.data, XDRBUF_WRITE, 'WRITE3args.data');
  },
  decodeArgs: (dec) => {
    const file = readFh(dec, 'WRITE3args.file');
    const offset = dec.readUhyperNumber('WRITE3args.offset');
    const count = dec.readUint('WRITE3args.count');
    const stable = dec.readEnum('WRITE3args.stable', STABLE_HOWS) as StableHow;
    const data = dec.readOpaque('WRITE3args.data');
    return { file, offset, count, stable, data };
  },
  encodeRes: (enc, res) =>
    writeResult(
      enc,
      res,
      (e, ok) => {
        writeWcc(e, ok.wcc, 'WRITE3resok.file_wcc');
        e.writeUint(ok.count, 'WRITE3resok.count');
        e.writeEnum(ok.committed, STABLE_HOWS, 'WRITE3resok.committed');
        writeVerf(e, ok.verf, NFS3_WRITEVERFSIZE, 'WRITE3resok.verf');
      },
      wccArm.write,
    ),
  decodeRes: (dec) =>
    readResult(
      dec,
      (d) => ({
        wcc: readWcc(d, 'WRITE3resok.file_wcc'),
        count: d.readUint('WRITE3resok.count'),
        committed: d.readEnum('WRITE3resok.committed', STABLE_HOWS) as StableHow,
        verf: readVerf(d, NFS3_WRITEVERFSIZE, 'WRITE3resok.verf'),
      }),
      wccArm.read,
    ),
};

function writeNewObject(enc: XdrEncoder, ok: NewObjectOk, name: string): void {
  writePostOpFh(enc, ok.object, `${name}.obj`);
  writePostOpAttr(enc, ok.attributes, `${name}.obj_attributes`);
  writeWcc(enc, ok.dirWcc, `${name}.dir_wcc`);
}
function readNewObject(dec: XdrDecoder, name: string): NewObjectOk {
  return {
    object: readPostOpFh(dec, `${name}.obj`),
    attributes: readPostOpAttr(dec, `${name}.obj_attributes`),
    dirWcc: readWcc(dec, `${name}.dir_wcc`),
  };
}

export const CREATE3: Nfs3ProcCodec<CreateArgs, CreateRes> = {
  proc: Nfs3Proc.CREATE,
  name: 'CREATE',
  encodeArgs: (enc, a) => {
    writeDirOpArgs(enc, a.where, 'CREATE3args.where');
    enc.writeEnum(a.how.mode, CREATE_MODES, 'CREATE3args.how.mode');
    if (a.how.mode === CreateMode.EXCLUSIVE) {
      writeVerf(enc, a.how.verf, NFS3_CREATEVERFSIZE, 'CREATE3args.how.verf');
    } else {
      writeSattr(enc, a.how.attributes, 'CREATE3args.how.obj_attributes');
    }
  },
  decodeArgs: (dec) => {
    const where = readDirOpArgs(dec, 'CREATE3args.where');
    const mode = dec.readEnum('CREATE3args.how.mode', CREATE_MODES);
    let how: CreateHow;
    if (mode === CreateMode.EXCLUSIVE) {
      how = { mode, verf: readVerf(dec, NFS3_CREATEVERFSIZE, 'CREATE3args.how.verf') };
    } else {
      how = {
        mode: mode as typeof CreateMode.UNCHECKED | typeof CreateMode.GUARDED,
        attributes: readSattr(dec, 'CREATE3args.how.obj_attributes'),
      };
    }
    return { where, how };
  },
  encodeRes: (enc, res) =>
    writeResult(enc, res, (e, ok) => writeNewObject(e, ok, 'CREATE3resok'), dirWccArm.write),
  decodeRes: (dec) => readResult(dec, (d) => readNewObject(d, 'CREATE3resok'), dirWccArm.read),
};

export const MKDIR3: Nfs3ProcCodec<MkdirArgs, MkdirRes> = {
  proc: Nfs3Proc.MKDIR,
  name: 'MKDIR',
  encodeArgs: (enc, a) => {
    writeDirOpArgs(enc, a.where, 'MKDIR3args.where');
    writeSattr(enc, a.attributes, 'MKDIR3args.attributes');
  },
  decodeArgs: (dec) => ({
    where: readDirOpArgs(dec, 'MKDIR3args.where'),
    attributes: readSattr(dec, 'MKDIR3args.attributes'),
  }),
  encodeRes: (enc, res) =>
    writeResult(enc, res, (e, ok) => writeNewObject(e, ok, 'MKDIR3resok'), dirWccArm.write),
  decodeRes: (dec) => readResult(dec, (d) => readNewObject(d, 'MKDIR3resok'), dirWccArm.read),
};

function removeLike(proc: Nfs3Proc, name: string): Nfs3ProcCodec<RemoveArgs, RemoveRes> {
  return {
    proc,
    name,
    encodeArgs: (enc, a) => writeDirOpArgs(enc, a.object, `${name}3args.object`),
    decodeArgs: (dec) => ({ object: readDirOpArgs(dec, `${name}3args.object`) }),
    encodeRes: (enc, res) =>
      writeResult(enc, res, dirWccArm.write as (e: XdrEncoder, ok: DirWccOk) => void, dirWccArm.write),
    decodeRes: (dec) => readResult(dec, dirWccArm.read, dirWccArm.read),
  };
}
export const REMOVE3 = removeLike(Nfs3Proc.REMOVE, 'REMOVE');
export const RMDIR3 = removeLike(Nfs3Proc.RMDIR, 'RMDIR');

export const RENAME3: Nfs3ProcCodec<RenameArgs, RenameRes> = {
  proc: Nfs3Proc.RENAME,
  name: 'RENAME',
  encodeArgs: (enc, a) => {
    writeDirOpArgs(enc, a.from, 'RENAME3args.from');
    writeDirOpArgs(enc, a.to, 'RENAME3args.to');
  },
  decodeArgs: (dec) => ({
    from: readDirOpArgs(dec, 'RENAME3args.from'),
    to: readDirOpArgs(dec, 'RENAME3args.to'),
  }),
  encodeRes: (enc, res) => writeResult(enc, res, renameArm.write, renameArm.write),
  decodeRes: (dec) => readResult(dec, renameArm.read, renameArm.read),
};

/** XDR bytes of one entry3 in a READDIR reply, including its value_follows word. */
export function entry3Size(nameBytes: number): number {
  return 4 + 8 + 4 + ((nameBytes + 3) & ~3) + 8;
}
/** XDR bytes of a READDIR3resok without entries (status excluded): dir attrs, verf, list end, eof. */
export const READDIR3_OK_OVERHEAD = 4 + 84 + NFS3_COOKIEVERFSIZE + 4 + 4;
/** XDR bytes of one entryplus3: entry3 plus post_op_attr and post_op_fh3. */
export function entryplus3Size(nameBytes: number, withAttrs: boolean, fhBytes: number | undefined): number {
  return (
    entry3Size(nameBytes) +
    4 +
    (withAttrs ? 84 : 0) +
    4 +
    (fhBytes === undefined ? 0 : 4 + ((fhBytes + 3) & ~3))
  );
}

function writeEntry(enc: XdrEncoder, e: DirEntry, field: string): void {
  enc.writeBool(true, `${field}.value_follows`);
  enc.writeUhyper(e.fileid, `${field}.fileid`);
  writeName(enc, e.name, `${field}.name`);
  enc.writeUhyper(e.cookie, `${field}.cookie`);
}
function readEntry(dec: XdrDecoder, field: string): DirEntry {
  const fileid = dec.readUhyper(`${field}.fileid`);
  const name = readName(dec, `${field}.name`);
  const cookie = dec.readUhyper(`${field}.cookie`);
  return { fileid, name, cookie };
}

export const READDIR3: Nfs3ProcCodec<ReaddirArgs, ReaddirRes> = {
  proc: Nfs3Proc.READDIR,
  name: 'READDIR',
  encodeArgs: (enc, a) => {
    writeFh(enc, a.dir, 'READDIR3args.dir');
    enc.writeUhyper(a.cookie, 'READDIR3args.cookie');
    writeVerf(enc, a.cookieverf, NFS3_COOKIEVERFSIZE, 'READDIR3args.cookieverf');
    enc.writeUint(a.count, 'READDIR3args.count');
  },
  decodeArgs: (dec) => ({
    dir: readFh(dec, 'READDIR3args.dir'),
    cookie: dec.readUhyper('READDIR3args.cookie'),
    cookieverf: readVerf(dec, NFS3_COOKIEVERFSIZE, 'READDIR3args.cookieverf'),
    count: dec.readUint('READDIR3args.count'),
  }),
  encodeRes: (enc, res) =>
    writeResult(
      enc,
      res,
      (e, ok) => {
        writePostOpAttr(e, ok.dirAttributes, 'READDIR3resok.dir_attributes');
        writeVerf(e, ok.cookieverf, NFS3_COOKIEVERFSIZE, 'READDIR3resok.cookieverf');
        for (const entry of ok.entries) writeEntry(e, entry, 'entry3');
        e.writeBool(false, 'dirlist3.entries');
        e.writeBool(ok.eof, 'dirlist3.eof');
      },
      attrFail.write,
    ),
  decodeRes: (dec) =>
    readResult(
      dec,
      (d) => {
        const dirAttributes = readPostOpAttr(d, 'READDIR3resok.dir_attributes');
        const cookieverf = readVerf(d, NFS3_COOKIEVERFSIZE, 'READDIR3resok.cookieverf');
        const entries: DirEntry[] = [];
        while (d.readBool('entry3.value_follows')) entries.push(readEntry(d, 'entry3'));
        const eof = d.readBool('dirlist3.eof');
        return { dirAttributes, cookieverf, entries, eof };
      },
      attrFail.read,
    ),
};

export const READDIRPLUS3: Nfs3ProcCodec<ReaddirplusArgs, ReaddirplusRes> = {
  proc: Nfs3Proc.READDIRPLUS,
  name: 'READDIRPLUS',
  encodeArgs: (enc, a) => {
    writeFh(enc, a.dir, 'READDIRPLUS3args.dir');
    enc.writeUhyper(a.cookie, 'READDIRPLUS3args.cookie');
    writeVerf(enc, a.cookieverf, NFS3_COOKIEVERFSIZE, 'READDIRPLUS3args.cookieverf');
    enc.writeUint(a.dircount, 'READDIRPLUS3args.dircount');
    enc.writeUint(a.maxcount, 'READDIRPLUS3args.maxcount');
  },
  decodeArgs: (dec) => ({
    dir: readFh(dec, 'READDIRPLUS3args.dir'),
    cookie: dec.readUhyper('READDIRPLUS3args.cookie'),
    cookieverf: readVerf(dec, NFS3_COOKIEVERFSIZE, 'READDIRPLUS3args.cookieverf'),
    dircount: dec.readUint('READDIRPLUS3args.dircount'),
    maxcount: dec.readUint('READDIRPLUS3args.maxcount'),
  }),
  encodeRes: (enc, res) =>
    writeResult(
      enc,
      res,
      (e, ok) => {
        writePostOpAttr(e, ok.dirAttributes, 'READDIRPLUS3resok.dir_attributes');
        writeVerf(e, ok.cookieverf, NFS3_COOKIEVERFSIZE, 'READDIRPLUS3resok.cookieverf');
        for (const entry of ok.entries) {
          writeEntry(e, entry, 'entryplus3');
          writePostOpAttr(e, entry.attributes, 'entryplus3.name_attributes');
          writePostOpFh(e, entry.handle, 'entryplus3.name_handle');
        }
        e.writeBool(false, 'dirlistplus3.entries');
        e.writeBool(ok.eof, 'dirlistplus3.eof');
      },
      attrFail.write,
    ),
  decodeRes: (dec) =>
    readResult(
      dec,
      (d) => {
        const dirAttributes = readPostOpAttr(d, 'READDIRPLUS3resok.dir_attributes');
        const cookieverf = readVerf(d, NFS3_COOKIEVERFSIZE, 'READDIRPLUS3resok.cookieverf');
        const entries: DirEntryPlus[] = [];
        while (d.readBool('entryplus3.value_follows')) {
          const entry = readEntry(d, 'entryplus3');
          const attributes = readPostOpAttr(d, 'entryplus3.name_attributes');
          const handle = readPostOpFh(d, 'entryplus3.name_handle');
          entries.push({ ...entry, attributes, handle });
        }
        const eof = d.readBool('dirlistplus3.eof');
        return { dirAttributes, cookieverf, entries, eof };
      },
      attrFail.read,
    ),
};

const fsrootArgs = fhArgs('fsroot', 'FSROOT3args');

export const FSSTAT3: Nfs3ProcCodec<FsrootArgs, FsstatRes> = {
  proc: Nfs3Proc.FSSTAT,
  name: 'FSSTAT',
  encodeArgs: fsrootArgs.write,
  decodeArgs: fsrootArgs.read,
  encodeRes: (enc, res) =>
    writeResult(
      enc,
      res,
      (e, ok) => {
        writePostOpAttr(e, ok.attributes, 'FSSTAT3resok.obj_attributes');
        e.writeUhyper(ok.tbytes, 'FSSTAT3resok.tbytes');
        e.writeUhyper(ok.fbytes, 'FSSTAT3resok.fbytes');
        e.writeUhyper(ok.abytes, 'FSSTAT3resok.abytes');
        e.writeUhyper(ok.tfiles, 'FSSTAT3resok.tfiles');
        e.writeUhyper(ok.ffiles, 'FSSTAT3resok.ffiles');
        e.writeUhyper(ok.afiles, 'FSSTAT3resok.afiles');
        e.writeUint(ok.invarsec, 'FSSTAT3resok.invarsec');
      },
      attrFail.write,
    ),
  decodeRes: (dec) =>
    readResult(
      dec,
      (d) => ({
        attributes: readPostOpAttr(d, 'FSSTAT3resok.obj_attributes'),
        tbytes: d.readUhyper('FSSTAT3resok.tbytes'),
        fbytes: d.readUhyper('FSSTAT3resok.fbytes'),
        abytes: d.readUhyper('FSSTAT3resok.abytes'),
        tfiles: d.readUhyper('FSSTAT3resok.tfiles'),
        ffiles: d.readUhyper('FSSTAT3resok.ffiles'),
        afiles: d.readUhyper('FSSTAT3resok.afiles'),
        invarsec: d.readUint('FSSTAT3resok.invarsec'),
      }),
      attrFail.read,
    ),
};

export const FSINFO3: Nfs3ProcCodec<FsrootArgs, FsinfoRes> = {
  proc: Nfs3Proc.FSINFO,
  name: 'FSINFO',
  encodeArgs: fsrootArgs.write,
  decodeArgs: fsrootArgs.read,
  encodeRes: (enc, res) =>
    writeResult(
      enc,
      res,
      (e, ok) => {
        writePostOpAttr(e, ok.attributes, 'FSINFO3resok.obj_attributes');
        e.writeUint(ok.rtmax, 'FSINFO3resok.rtmax');
        e.writeUint(ok.rtpref, 'FSINFO3resok.rtpref');
        e.writeUint(ok.rtmult, 'FSINFO3resok.rtmult');
        e.writeUint(ok.wtmax, 'FSINFO3resok.wtmax');
        e.writeUint(ok.wtpref, 'FSINFO3resok.wtpref');
        e.writeUint(ok.wtmult, 'FSINFO3resok.wtmult');
        e.writeUint(ok.dtpref, 'FSINFO3resok.dtpref');
        e.writeUhyper(ok.maxfilesize, 'FSINFO3resok.maxfilesize');
        writeTime(e, ok.timeDelta, 'FSINFO3resok.time_delta');
        e.writeUint(ok.properties, 'FSINFO3resok.properties');
      },
      attrFail.write,
    ),
  decodeRes: (dec) =>
    readResult(
      dec,
      (d) => ({
        attributes: readPostOpAttr(d, 'FSINFO3resok.obj_attributes'),
        rtmax: d.readUint('FSINFO3resok.rtmax'),
        rtpref: d.readUint('FSINFO3resok.rtpref'),
        rtmult: d.readUint('FSINFO3resok.rtmult'),
        wtmax: d.readUint('FSINFO3resok.wtmax'),
        wtpref: d.readUint('FSINFO3resok.wtpref'),
        wtmult: d.readUint('FSINFO3resok.wtmult'),
        dtpref: d.readUint('FSINFO3resok.dtpref'),
        maxfilesize: d.readUhyper('FSINFO3resok.maxfilesize'),
        timeDelta: readTime(d, 'FSINFO3resok.time_delta'),
        properties: d.readUint('FSINFO3resok.properties'),
      }),
      attrFail.read,
    ),
};

const pathconfArgs = fhArgs('object', 'PATHCONF3args');
export const PATHCONF3: Nfs3ProcCodec<PathconfArgs, PathconfRes> = {
  proc: Nfs3Proc.PATHCONF,
  name: 'PATHCONF',
  encodeArgs: pathconfArgs.write,
  decodeArgs: pathconfArgs.read,
  encodeRes: (enc, res) =>
    writeResult(
      enc,
      res,
      (e, ok) => {
        writePostOpAttr(e, ok.attributes, 'PATHCONF3resok.obj_attributes');
        e.writeUint(ok.linkmax, 'PATHCONF3resok.linkmax');
        e.writeUint(ok.nameMax, 'PATHCONF3resok.name_max');
        e.writeBool(ok.noTrunc, 'PATHCONF3resok.no_trunc');
        e.writeBool(ok.chownRestricted, 'PATHCONF3resok.chown_restricted');
        e.writeBool(ok.caseInsensitive, 'PATHCONF3resok.case_insensitive');
        e.writeBool(ok.casePreserving, 'PATHCONF3resok.case_preserving');
      },
      attrFail.write,
    ),
  decodeRes: (dec) =>
    readResult(
      dec,
      (d) => ({
        attributes: readPostOpAttr(d, 'PATHCONF3resok.obj_attributes'),
        linkmax: d.readUint('PATHCONF3resok.linkmax'),
        nameMax: d.readUint('PATHCONF3resok.name_max'),
        noTrunc: d.readBool('PATHCONF3resok.no_trunc'),
        chownRestricted: d.readBool('PATHCONF3resok.chown_restricted'),
        caseInsensitive: d.readBool('PATHCONF3resok.case_insensitive'),
        casePreserving: d.readBool('PATHCONF3resok.case_preserving'),
      }),
      attrFail.read,
    ),
};

export const COMMIT3: Nfs3ProcCodec<CommitArgs, CommitRes> = {
  proc: Nfs3Proc.COMMIT,
  name: 'COMMIT',
  encodeArgs: (enc, a) => {
    writeFh(enc, a.file, 'COMMIT3args.file');
    enc.writeUhyper(a.offset, 'COMMIT3args.offset');
    enc.writeUint(a.count, 'COMMIT3args.count');
  },
  decodeArgs: (dec) => ({
    file: readFh(dec, 'COMMIT3args.file'),
    offset: dec.readUhyperNumber('COMMIT3args.offset'),
    count: dec.readUint('COMMIT3args.count'),
  }),
  encodeRes: (enc, res) =>
    writeResult(
      enc,
      res,
      (e, ok) => {
        writeWcc(e, ok.wcc, 'COMMIT3resok.file_wcc');
        writeVerf(e, ok.verf, NFS3_WRITEVERFSIZE, 'COMMIT3resok.verf');
      },
      wccArm.write,
    ),
  decodeRes: (dec) =>
    readResult(
      dec,
      (d) => ({
        wcc: readWcc(d, 'COMMIT3resok.file_wcc'),
        verf: readVerf(d, NFS3_WRITEVERFSIZE, 'COMMIT3resok.verf'),
      }),
      wccArm.read,
    ),
};
