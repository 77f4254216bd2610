import 'reflect-metadata';
import * as jp from '@jsonjoy.com/json-pack/lib/nfs/v3/index.js';
import type { MountProc } from '@jsonjoy.com/json-pack/lib/nfs/v3/mount/constants.js';
import { MountEncoder } from '@jsonjoy.com/json-pack/lib/nfs/v3/mount/MountEncoder.js';
import * as jpms from '@jsonjoy.com/json-pack/lib/nfs/v3/mount/messages.js';
import * as jpmt from '@jsonjoy.com/json-pack/lib/nfs/v3/mount/structs.js';
import { PAGE_SIZE, PhysicalMemory } from '@rdmalab/kernel';
import { XDRBUF_READ, XDRBUF_WRITE, XdrBuf, XdrDecoder, XdrEncoder, XdrError } from '@rdmalab/sunrpc';
import { describe, expect, it } from 'vitest';
import * as mount from '../src/codec/mount3.js';
import * as nfs from '../src/codec/nfs3.js';
import type { Fattr3, Sattr3 } from '../src/codec/types.js';
import { CreateMode, Ftype3, Nfs3Stat, StableHow } from '../src/constants.js';

interface Codec<A, R> {
  encodeArgs(enc: XdrEncoder, a: A): void;
  decodeArgs(dec: XdrDecoder): A;
  encodeRes(enc: XdrEncoder, r: R): void;
  decodeRes(dec: XdrDecoder): R;
}

function argsBytes<A, R>(codec: Codec<A, R>, a: A): Uint8Array {
  const enc = new XdrEncoder();
  codec.encodeArgs(enc, a);
  return enc.finish().toBytes().slice();
}
function resBytes<A, R>(codec: Codec<A, R>, r: R): Uint8Array {
  const enc = new XdrEncoder();
  codec.encodeRes(enc, r);
  return enc.finish().toBytes().slice();
}
function roundTripArgs<A, R>(codec: Codec<A, R>, a: A): A {
  const dec = new XdrDecoder(argsBytes(codec, a));
  const out = codec.decodeArgs(dec);
  dec.assertEnd('args');
  return out;
}
function roundTripRes<A, R>(codec: Codec<A, R>, r: R): R {
  const dec = new XdrDecoder(resBytes(codec, r));
  const out = codec.decodeRes(dec);
  dec.assertEnd('res');
  return out;
}

const fh = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
const fh2 = new Uint8Array(32).fill(7);
const t = (s: number, n = 0) => ({ seconds: s, nseconds: n });
const attrs: Fattr3 = {
  type: Ftype3.NF3REG,
  mode: 0o644,
  nlink: 1,
  uid: 1000,
  gid: 100,
  size: 5_000_000_123,
  used: 8192,
  rdev: { specdata1: 0, specdata2: 0 },
  fsid: 0x1234_5678_9abcn,
  fileid: 0xfedc_ba98_7654_3210n,
  atime: t(1_700_000_000, 1),
  mtime: t(1_700_000_001, 2),
  ctime: t(1_700_000_002, 3),
};
const jpAttrs = new jp.Nfsv3Fattr(
  1,
  0o644,
  1,
  1000,
  100,
  5_000_000_123n,
  8192n,
  new jp.Nfsv3SpecData(0, 0),
  0x1234_5678_9abcn,
  0xfedc_ba98_7654_3210n,
  new jp.Nfsv3Time(1_700_000_000, 1),
  new jp.Nfsv3Time(1_700_000_001, 2),
  new jp.Nfsv3Time(1_700_000_002, 3),
);
const jpEncoder = new jp.Nfsv3Encoder();
const jpEnc = (msg: jp.Nfsv3Message, proc: number, req: boolean) =>
  jpEncoder.encodeMessage(msg, proc as jp.Nfsv3Proc, req).slice();

describe('NFSv3 codec against @jsonjoy.com/json-pack (oracle)', () => {
  it('GETATTR3res with fattr3 is byte-identical', () => {
    const mine = resBytes(nfs.GETATTR3, { status: 0, ok: { attributes: attrs } });
    const theirs = jpEnc(new jp.Nfsv3GetattrResponse(0, new jp.Nfsv3GetattrResOk(jpAttrs)), 1, false);
    expect(mine).toEqual(theirs);
    expect(mine.length).toBe(4 + 84);
  });

  it('SETATTR3args with every sattr3 arm and a guard is byte-identical', () => {
    const sattr: Sattr3 = { mode: 0o600, gid: 5, size: 42, atime: 'server', mtime: t(99, 7) };
    const mine = argsBytes(nfs.SETATTR3, { object: fh, attributes: sattr, guard: t(1, 2) });
    const theirs = jpEnc(
      new jp.Nfsv3SetattrRequest(
        new jp.Nfsv3Fh(fh),
        new jp.Nfsv3Sattr(
          new jp.Nfsv3SetMode(true, 0o600),
          new jp.Nfsv3SetUid(false),
          new jp.Nfsv3SetGid(true, 5),
          new jp.Nfsv3SetSize(true, 42n),
          new jp.Nfsv3SetAtime(1),
          new jp.Nfsv3SetMtime(2, new jp.Nfsv3Time(99, 7)),
        ),
        new jp.Nfsv3SattrGuard(true, new jp.Nfsv3Time(1, 2)),
      ),
      2,
      true,
    );
    expect(mine).toEqual(theirs);
    expect(roundTripArgs(nfs.SETATTR3, { object: fh, attributes: sattr, guard: t(1, 2) })).toEqual({
      object: fh,
      attributes: sattr,
      guard: t(1, 2),
    });
  });

  it('LOOKUP3args and LOOKUP3res are byte-identical', () => {
    expect(argsBytes(nfs.LOOKUP3, { what: { dir: fh, name: 'hello.txt' } })).toEqual(
      jpEnc(new jp.Nfsv3LookupRequest(new jp.Nfsv3DirOpArgs(new jp.Nfsv3Fh(fh), 'hello.txt')), 3, true),
    );
    const mine = resBytes(nfs.LOOKUP3, {
      status: 0,
      ok: { object: fh2, attributes: attrs, dirAttributes: undefined },
    });
    const theirs = jpEnc(
      new jp.Nfsv3LookupResponse(
        0,
        new jp.Nfsv3LookupResOk(
          new jp.Nfsv3Fh(fh2),
          new jp.Nfsv3PostOpAttr(true, jpAttrs),
          new jp.Nfsv3PostOpAttr(false),
        ),
      ),
      3,
      false,
    );
    expect(mine).toEqual(theirs);
    const fail = resBytes(nfs.LOOKUP3, { status: Nfs3Stat.NFS3ERR_NOENT, fail: { dirAttributes: attrs } });
    expect(fail).toEqual(
      jpEnc(
        new jp.Nfsv3LookupResponse(
          2,
          undefined,
          new jp.Nfsv3LookupResFail(new jp.Nfsv3PostOpAttr(true, jpAttrs)),
        ),
        3,
        false,
      ),
    );
  });

  it('WRITE3args (data flagged XDRBUF_WRITE in the page list) flattens to json-pack bytes', () => {
    const mem = new PhysicalMemory({ totalPages: 4 });
    const pages = mem.allocPages(2, 'test');
    const data = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
    pages[0]!.bytes.set(data.subarray(0, PAGE_SIZE - 100), 100);
    pages[1]!.bytes.set(data.subarray(PAGE_SIZE - 100), 0);
    const enc = new XdrEncoder();
    nfs.WRITE3.encodeArgs(enc, {
      file: fh,
      offset: 8192,
      count: 5000,
      stable: StableHow.UNSTABLE,
      data: { pages, base: 100, length: 5000 },
    });
    const buf = enc.finish();
    expect(buf.flags).toBe(XDRBUF_WRITE);
    expect(buf.pageLen).toBe(5000);
    const theirs = jpEnc(new jp.Nfsv3WriteRequest(new jp.Nfsv3Fh(fh), 8192n, 5000, 0, data), 7, true);
    expect(buf.toBytes()).toEqual(theirs);
    const back = nfs.WRITE3.decodeArgs(new XdrDecoder(buf));
    expect(back.data).toEqual(data);
    expect(back.stable).toBe(StableHow.UNSTABLE);
  });

  it('WRITE3res with committed and verifier is byte-identical', () => {
    const verf = new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2]);
    const mine = resBytes(nfs.WRITE3, {
      status: 0,
      ok: {
        wcc: { before: { size: 10, mtime: t(1), ctime: t(2) }, after: attrs },
        count: 5000,
        committed: StableHow.FILE_SYNC,
        verf,
      },
    });
    const theirs = jpEnc(
      new jp.Nfsv3WriteResponse(
        0,
        new jp.Nfsv3WriteResOk(
          new jp.Nfsv3WccData(
            new jp.Nfsv3PreOpAttr(
              true,
              new jp.Nfsv3WccAttr(10n, new jp.Nfsv3Time(1, 0), new jp.Nfsv3Time(2, 0)),
            ),
            new jp.Nfsv3PostOpAttr(true, jpAttrs),
          ),
          5000,
          2,
          verf,
        ),
      ),
      7,
      false,
    );
    expect(mine).toEqual(theirs);
  });

  it('READ3res: data flagged XDRBUF_READ, byte-identical, and decodes straight into pages', () => {
    const mem = new PhysicalMemory({ totalPages: 4 });
    const src = mem.allocPages(1, 'server');
    src[0]!.bytes.fill(0x5a, 0, 13);
    const enc = new XdrEncoder();
    nfs.READ3.encodeRes(enc, {
      status: 0,
      ok: { attributes: undefined, count: 13, eof: true, data: { pages: src, base: 0, length: 13 } },
    });
    const buf = enc.finish();
    expect(buf.flags).toBe(XDRBUF_READ);
    const theirs = jpEnc(
      new jp.Nfsv3ReadResponse(
        0,
        new jp.Nfsv3ReadResOk(new jp.Nfsv3PostOpAttr(false), 13, true, new Uint8Array(13).fill(0x5a)),
      ),
      6,
      false,
    );
    expect(buf.toBytes()).toEqual(theirs);
    const dst = mem.allocPages(1, 'client');
    dst[0]!.bytes.fill(0);
    const res = nfs.READ3.decodeRes(new XdrDecoder(XdrBuf.fromBytes(buf.toBytes())), {
      readInto: { pages: dst, base: 100, length: PAGE_SIZE - 100 },
    });
    expect(res.status).toBe(0);
    if (res.status !== 0) return;
    expect(res.ok.eof).toBe(true);
    expect(dst[0]!.bytes.subarray(100, 113)).toEqual(new Uint8Array(13).fill(0x5a));
    expect(dst[0]!.bytes[113]).toBe(0);
  });

  it('CREATE3args in GUARDED and EXCLUSIVE modes are byte-identical', () => {
    const guarded = argsBytes(nfs.CREATE3, {
      where: { dir: fh, name: 'f' },
      how: { mode: CreateMode.GUARDED, attributes: { mode: 0o644 } },
    });
    expect(guarded).toEqual(
      jpEnc(
        new jp.Nfsv3CreateRequest(
          new jp.Nfsv3DirOpArgs(new jp.Nfsv3Fh(fh), 'f'),
          new jp.Nfsv3CreateHow(
            1,
            new jp.Nfsv3Sattr(
              new jp.Nfsv3SetMode(true, 0o644),
              new jp.Nfsv3SetUid(false),
              new jp.Nfsv3SetGid(false),
              new jp.Nfsv3SetSize(false),
              new jp.Nfsv3SetAtime(0),
              new jp.Nfsv3SetMtime(0),
            ),
          ),
        ),
        8,
        true,
      ),
    );
    const verf = new Uint8Array([1, 1, 2, 3, 5, 8, 13, 21]);
    const exclusive = argsBytes(nfs.CREATE3, {
      where: { dir: fh, name: 'x' },
      how: { mode: CreateMode.EXCLUSIVE, verf },
    });
    expect(exclusive).toEqual(
      jpEnc(
        new jp.Nfsv3CreateRequest(
          new jp.Nfsv3DirOpArgs(new jp.Nfsv3Fh(fh), 'x'),
          new jp.Nfsv3CreateHow(2, undefined, verf),
        ),
        8,
        true,
      ),
    );
    expect(
      roundTripArgs(nfs.CREATE3, {
        where: { dir: fh, name: 'x' },
        how: { mode: CreateMode.EXCLUSIVE, verf },
      }),
    ).toEqual({
      where: { dir: fh, name: 'x' },
      how: { mode: CreateMode.EXCLUSIVE, verf },
    });
  });

  it('READDIR3res and READDIRPLUS3res entry lists are byte-identical', () => {
    const verf = new Uint8Array(8).fill(3);
    const mine = resBytes(nfs.READDIR3, {
      status: 0,
      ok: {
        dirAttributes: undefined,
        cookieverf: verf,
        entries: [
          { fileid: 10n, name: '.', cookie: 1n },
          { fileid: 11n, name: 'abcde', cookie: 0xffff_ffff_0000_0001n },
        ],
        eof: false,
      },
    });
    const theirs = jpEnc(
      new jp.Nfsv3ReaddirResponse(
        0,
        new jp.Nfsv3ReaddirResOk(
          new jp.Nfsv3PostOpAttr(false),
          verf,
          new jp.Nfsv3DirList(
            false,
            new jp.Nfsv3Entry(10n, '.', 1n, new jp.Nfsv3Entry(11n, 'abcde', 0xffff_ffff_0000_0001n)),
          ),
        ),
      ),
      16,
      false,
    );
    expect(mine).toEqual(theirs);
    const plus = resBytes(nfs.READDIRPLUS3, {
      status: 0,
      ok: {
        dirAttributes: attrs,
        cookieverf: verf,
        entries: [{ fileid: 5n, name: 'z', cookie: 2n, attributes: attrs, handle: fh2 }],
        eof: true,
      },
    });
    const plusTheirs = jpEnc(
      new jp.Nfsv3ReaddirplusResponse(
        0,
        new jp.Nfsv3ReaddirplusResOk(
          new jp.Nfsv3PostOpAttr(true, jpAttrs),
          verf,
          new jp.Nfsv3DirListPlus(
            true,
            new jp.Nfsv3EntryPlus(
              5n,
              'z',
              2n,
              new jp.Nfsv3PostOpAttr(true, jpAttrs),
              new jp.Nfsv3PostOpFh(true, new jp.Nfsv3Fh(fh2)),
            ),
          ),
        ),
      ),
      17,
      false,
    );
    expect(plus).toEqual(plusTheirs);
    // json-pack's bytes decode with our decoder to the same values.
    const back = nfs.READDIRPLUS3.decodeRes(new XdrDecoder(plusTheirs));
    expect(back.status).toBe(0);
    if (back.status === 0)
      expect(back.ok.entries[0]).toEqual({
        fileid: 5n,
        name: 'z',
        cookie: 2n,
        attributes: attrs,
        handle: fh2,
      });
  });

  it('FSINFO3res and COMMIT3res are byte-identical', () => {
    const fsinfo = resBytes(nfs.FSINFO3, {
      status: 0,
      ok: {
        attributes: undefined,
        rtmax: 1 << 20,
        rtpref: 1 << 20,
        rtmult: 4096,
        wtmax: 1 << 20,
        wtpref: 1 << 20,
        wtmult: 4096,
        dtpref: 8192,
        maxfilesize: 0x7fff_ffff_ffff_ffffn,
        timeDelta: t(0, 1),
        properties: 0x1b,
      },
    });
    expect(fsinfo).toEqual(
      jpEnc(
        new jp.Nfsv3FsinfoResponse(
          0,
          new jp.Nfsv3FsinfoResOk(
            new jp.Nfsv3PostOpAttr(false),
            1 << 20,
            1 << 20,
            4096,
            1 << 20,
            1 << 20,
            4096,
            8192,
            0x7fff_ffff_ffff_ffffn,
            new jp.Nfsv3Time(0, 1),
            0x1b,
          ),
        ),
        19,
        false,
      ),
    );
    const verf = new Uint8Array(8).fill(0xee);
    expect(
      resBytes(nfs.COMMIT3, { status: 0, ok: { wcc: { before: undefined, after: undefined }, verf } }),
    ).toEqual(
      jpEnc(
        new jp.Nfsv3CommitResponse(
          0,
          new jp.Nfsv3CommitResOk(
            new jp.Nfsv3WccData(new jp.Nfsv3PreOpAttr(false), new jp.Nfsv3PostOpAttr(false)),
            verf,
          ),
        ),
        21,
        false,
      ),
    );
  });

  it('MOUNT MNT and EXPORT results are byte-identical', () => {
    const mine = resBytes(mount.MOUNTPROC3_MNT, { status: 0, handle: fh2, authFlavors: [1, 0] });
    const me = new MountEncoder();
    // json-pack's MountFhandle3 only reads `.uint8` of the Reader it is given.
    const reader = { uint8: fh2 } as unknown as ConstructorParameters<typeof jpmt.MountFhandle3>[0];
    const theirs = me
      .encodeMessage(
        new jpms.MountMntResponse(0, new jpms.MountMntResOk(new jpmt.MountFhandle3(reader), [1, 0])),
        1 as MountProc,
        false,
      )
      .slice();
    expect(mine).toEqual(theirs);
    const exports = resBytes(mount.MOUNTPROC3_EXPORT, [
      { dir: '/export', groups: ['*', 'host-a'] },
      { dir: '/b', groups: [] },
    ]);
    const exportsTheirs = me
      .encodeMessage(
        new jpms.MountExportResponse(
          new jpmt.MountExportNode(
            '/export',
            new jpmt.MountGroupNode('*', new jpmt.MountGroupNode('host-a')),
            new jpmt.MountExportNode('/b'),
          ),
        ),
        5 as MountProc,
        false,
      )
      .slice();
    expect(exports).toEqual(exportsTheirs);
    expect(roundTripRes(mount.MOUNTPROC3_EXPORT, [{ dir: '/export', groups: ['*'] }])).toEqual([
      { dir: '/export', groups: ['*'] },
    ]);
  });
});

describe('NFSv3 codec round trips', () => {
  const wcc = { before: { size: 1, mtime: t(1), ctime: t(2) }, after: attrs };
  it('every procedure decodes what it encodes', () => {
    expect(roundTripArgs(nfs.GETATTR3, { object: fh })).toEqual({ object: fh });
    expect(roundTripArgs(nfs.ACCESS3, { object: fh, access: 0x3f })).toEqual({ object: fh, access: 0x3f });
    expect(roundTripRes(nfs.ACCESS3, { status: 0, ok: { attributes: attrs, access: 5 } })).toEqual({
      status: 0,
      ok: { attributes: attrs, access: 5 },
    });
    expect(roundTripArgs(nfs.READ3, { file: fh, offset: 2 ** 40, count: 65536 })).toEqual({
      file: fh,
      offset: 2 ** 40,
      count: 65536,
    });
    expect(roundTripArgs(nfs.MKDIR3, { where: { dir: fh, name: 'd' }, attributes: { mode: 0o755 } })).toEqual(
      {
        where: { dir: fh, name: 'd' },
        attributes: { mode: 0o755 },
      },
    );
    expect(
      roundTripRes(nfs.MKDIR3, { status: 0, ok: { object: fh2, attributes: attrs, dirWcc: wcc } }),
    ).toEqual({
      status: 0,
      ok: { object: fh2, attributes: attrs, dirWcc: wcc },
    });
    expect(roundTripArgs(nfs.REMOVE3, { object: { dir: fh, name: 'x' } })).toEqual({
      object: { dir: fh, name: 'x' },
    });
    expect(roundTripRes(nfs.RMDIR3, { status: Nfs3Stat.NFS3ERR_NOTEMPTY, fail: { dirWcc: wcc } })).toEqual({
      status: Nfs3Stat.NFS3ERR_NOTEMPTY,
      fail: { dirWcc: wcc },
    });
    expect(
      roundTripArgs(nfs.RENAME3, { from: { dir: fh, name: 'a' }, to: { dir: fh2, name: 'ünïcødé' } }),
    ).toEqual({ from: { dir: fh, name: 'a' }, to: { dir: fh2, name: 'ünïcødé' } });
    expect(
      roundTripRes(nfs.RENAME3, {
        status: 0,
        ok: { fromDirWcc: wcc, toDirWcc: { before: undefined, after: undefined } },
      }),
    ).toEqual({
      status: 0,
      ok: { fromDirWcc: wcc, toDirWcc: { before: undefined, after: undefined } },
    });
    const cookieverf = new Uint8Array(8).fill(1);
    expect(
      roundTripArgs(nfs.READDIRPLUS3, { dir: fh, cookie: 77n, cookieverf, dircount: 512, maxcount: 4096 }),
    ).toEqual({
      dir: fh,
      cookie: 77n,
      cookieverf,
      dircount: 512,
      maxcount: 4096,
    });
    const fsstat = {
      attributes: attrs,
      tbytes: 1n << 60n,
      fbytes: 5n,
      abytes: 4n,
      tfiles: 3n,
      ffiles: 2n,
      afiles: 1n,
      invarsec: 0,
    };
    expect(roundTripRes(nfs.FSSTAT3, { status: 0, ok: fsstat })).toEqual({ status: 0, ok: fsstat });
    const pathconf = {
      attributes: undefined,
      linkmax: 32000,
      nameMax: 255,
      noTrunc: true,
      chownRestricted: true,
      caseInsensitive: false,
      casePreserving: true,
    };
    expect(roundTripRes(nfs.PATHCONF3, { status: 0, ok: pathconf })).toEqual({ status: 0, ok: pathconf });
    expect(roundTripArgs(nfs.COMMIT3, { file: fh, offset: 0, count: 0 })).toEqual({
      file: fh,
      offset: 0,
      count: 0,
    });
  });

  it('every nfsstat3 code survives a round trip; an unknown one is rejected with its offset', () => {
    for (const status of Object.values(Nfs3Stat)) {
      if (status === 0) continue;
      expect(roundTripRes(nfs.GETATTR3, { status, fail: undefined })).toEqual({ status, fail: undefined });
    }
    const bad = new Uint8Array([0, 0, 0x27, 0x0f]); // 9999
    expect(() => nfs.GETATTR3.decodeRes(new XdrDecoder(bad))).toThrow(XdrError);
    try {
      nfs.GETATTR3.decodeRes(new XdrDecoder(bad));
    } catch (e) {
      expect((e as XdrError).code).toBe('EINVAL');
      expect((e as XdrError).field).toBe('nfsstat3');
      expect((e as XdrError).offset).toBe(0);
    }
  });

  it('rejects an over-long file handle and a truncated fattr3 with the field named', () => {
    const enc = new XdrEncoder();
    enc.writeOpaque(new Uint8Array(65));
    expect(() => nfs.GETATTR3.decodeArgs(new XdrDecoder(enc.finish().toBytes()))).toThrow(
      /E2BIG: GETATTR3args.object at byte 0/,
    );
    const full = resBytes(nfs.GETATTR3, { status: 0, ok: { attributes: attrs } });
    expect(() => nfs.GETATTR3.decodeRes(new XdrDecoder(full.subarray(0, 50)))).toThrow(
      /EBADMSG: GETATTR3resok\.obj_attributes/,
    );
    expect(() =>
      argsBytes(nfs.WRITE3, { file: fh, offset: -1, count: 0, stable: 0, data: new Uint8Array(0) }),
    ).toThrow(XdrError);
  });
});
