import 'reflect-metadata';
import { RealScheduler } from '@rdmalab/kernel';
import { RpcClient, TcpTransportClass } from '@rdmalab/sunrpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOUNTPROC3_EXPORT, MOUNTPROC3_MNT } from '../src/codec/mount3.js';
import { CreateMode, MOUNT_PROGRAM, MountStat, Nfs3Stat, StableHow } from '../src/constants.js';
import { FileHandleCodec } from '../src/server/file-handles.js';
import { NfsServer } from '../src/server/nfs-server.js';
import { Nfs3Service } from '../src/server/nfs3-service.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { createOk, ROOT, rootOf } from './support/service.js';

describe('NFSv3 service on the memory store', () => {
  const svc = new Nfs3Service([{ path: '/export', store: new MemoryStore() }], new FileHandleCodec());
  let root: Uint8Array;
  beforeAll(async () => {
    root = await rootOf(svc);
  });

  it('EXCLUSIVE CREATE is idempotent for its verifier and EEXIST for another', async () => {
    const verf = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const a = await svc.create(
      { where: { dir: root, name: 'ex' }, how: { mode: CreateMode.EXCLUSIVE, verf } },
      ROOT,
    );
    const again = await svc.create(
      { where: { dir: root, name: 'ex' }, how: { mode: CreateMode.EXCLUSIVE, verf } },
      ROOT,
    );
    expect(a.status).toBe(0);
    expect(again.status).toBe(0);
    if (a.status === 0 && again.status === 0) expect(again.ok.object).toEqual(a.ok.object);
    const other = await svc.create(
      { where: { dir: root, name: 'ex' }, how: { mode: CreateMode.EXCLUSIVE, verf: new Uint8Array(8) } },
      ROOT,
    );
    expect(other.status).toBe(Nfs3Stat.NFS3ERR_EXIST);
    const guarded = await svc.create(
      { where: { dir: root, name: 'ex' }, how: { mode: CreateMode.GUARDED, attributes: {} } },
      ROOT,
    );
    expect(guarded.status).toBe(Nfs3Stat.NFS3ERR_EXIST);
    const unchecked = await svc.create(
      { where: { dir: root, name: 'ex' }, how: { mode: CreateMode.UNCHECKED, attributes: {} } },
      ROOT,
    );
    expect(unchecked.status).toBe(0);
  });

  it('SETATTR with a stale ctime guard is NFS3ERR_NOT_SYNC; wcc data brackets changes', async () => {
    const f = await createOk(svc, root, 'guarded');
    const attr = await svc.getattr({ object: f });
    if (attr.status !== 0) throw new Error('getattr');
    const ok = await svc.setattr({ object: f, attributes: { size: 10 }, guard: attr.ok.attributes.ctime });
    expect(ok.status).toBe(0);
    if (ok.status === 0) {
      expect(ok.ok.wcc.before?.size).toBe(0);
      expect(ok.ok.wcc.after?.size).toBe(10);
    }
    const stale = await svc.setattr({ object: f, attributes: { size: 20 }, guard: attr.ok.attributes.ctime });
    expect(stale.status).toBe(Nfs3Stat.NFS3ERR_NOT_SYNC);
  });

  it('READDIR pages through cookies; removals between pages do not repeat or skip survivors', async () => {
    const mk = await svc.mkdir({ where: { dir: root, name: 'list' }, attributes: {} }, ROOT);
    if (mk.status !== 0 || mk.ok.object === undefined) throw new Error('mkdir');
    const dir = mk.ok.object;
    for (let i = 0; i < 50; i++) await createOk(svc, dir, `n${i}`);
    const seen: string[] = [];
    let cookie = 0n;
    let cookieverf: Uint8Array = new Uint8Array(8);
    let pages = 0;
    for (;;) {
      const res = await svc.readdir({ dir, cookie, cookieverf, count: 512 });
      if (res.status !== 0) throw new Error(`readdir ${res.status}`);
      pages++;
      seen.push(...res.ok.entries.map((e) => e.name));
      if (pages === 1) await svc.remove({ object: { dir, name: 'n49' } });
      if (res.ok.eof) break;
      cookie = res.ok.entries[res.ok.entries.length - 1]!.cookie;
      cookieverf = res.ok.cookieverf;
    }
    expect(pages).toBeGreaterThan(2);
    const expected = ['.', '..', ...Array.from({ length: 49 }, (_, i) => `n${i}`)];
    expect(seen).toEqual(expected);
    const tiny = await svc.readdir({ dir, cookie: 0n, cookieverf: new Uint8Array(8), count: 100 });
    expect(tiny.status).toBe(Nfs3Stat.NFS3ERR_TOOSMALL);
    const bad = await svc.readdir({ dir, cookie: 5n, cookieverf: new Uint8Array(8).fill(9), count: 4096 });
    expect(bad.status).toBe(Nfs3Stat.NFS3ERR_BAD_COOKIE);
  });

  it('READ of a directory is NFS3ERR_ISDIR; WRITE past the maximum file size is NFS3ERR_FBIG; count > data is NFS3ERR_INVAL', async () => {
    expect((await svc.read({ file: root, offset: 0, count: 10 })).status).toBe(Nfs3Stat.NFS3ERR_ISDIR);
    const f = await createOk(svc, root, 'w');
    const big = await svc.write({
      file: f,
      offset: 2 ** 41,
      count: 1,
      stable: StableHow.UNSTABLE,
      data: new Uint8Array(1),
    });
    expect(big.status).toBe(Nfs3Stat.NFS3ERR_FBIG);
    const short = await svc.write({
      file: f,
      offset: 0,
      count: 5,
      stable: StableHow.UNSTABLE,
      data: new Uint8Array(2),
    });
    expect(short.status).toBe(Nfs3Stat.NFS3ERR_INVAL);
  });

  it('FSSTAT, FSINFO and PATHCONF describe the export', async () => {
    const fsinfo = await svc.fsinfo({ fsroot: root });
    expect(fsinfo.status === 0 && fsinfo.ok.rtmax).toBe(1 << 20);
    const fsstat = await svc.fsstat({ fsroot: root });
    expect(fsstat.status === 0 && fsstat.ok.tbytes).toBe(BigInt(1 << 30));
    const pc = await svc.pathconf({ object: root });
    expect(pc.status === 0 && pc.ok.nameMax).toBe(255);
    const access = await svc.access({ object: root, access: 0x3f }, { uid: 1000, gid: 1000, gids: [] });
    expect(access.status === 0 && access.ok.access).toBe(0x02 | 0x01); // others: r-x on 0755
  });
});

describe('mountd over TCP', () => {
  const server = new NfsServer({
    exports: [
      { path: '/a', store: new MemoryStore() },
      { path: '/b', store: new MemoryStore() },
    ],
  });
  let mount: RpcClient;
  beforeAll(async () => {
    const { port } = await server.listen();
    const scheduler = new RealScheduler();
    mount = new RpcClient({
      transport: new TcpTransportClass().createClient({ host: '127.0.0.1', port, scheduler }),
      scheduler,
      program: MOUNT_PROGRAM,
      version: 3,
    });
  });
  afterAll(async () => {
    await mount.shutdown();
    await server.close();
  });

  it('EXPORT lists the exports; MNT of an unknown path is MNT3ERR_NOENT; MNT answers a handle and flavors', async () => {
    const exports = await mount.call({ proc: 5, decodeResult: (d) => MOUNTPROC3_EXPORT.decodeRes(d) });
    expect(exports).toEqual([
      { dir: '/a', groups: [] },
      { dir: '/b', groups: [] },
    ]);
    const missing = await mount.call({
      proc: 1,
      encodeArgs: (e) => MOUNTPROC3_MNT.encodeArgs(e, '/nope'),
      decodeResult: (d) => MOUNTPROC3_MNT.decodeRes(d),
    });
    expect(missing.status).toBe(MountStat.MNT3ERR_NOENT);
    const ok = await mount.call({
      proc: 1,
      encodeArgs: (e) => MOUNTPROC3_MNT.encodeArgs(e, '/b'),
      decodeResult: (d) => MOUNTPROC3_MNT.decodeRes(d),
    });
    expect(ok.status).toBe(0);
    if (ok.status === 0) {
      expect(ok.handle.length).toBe(36);
      expect(ok.authFlavors).toEqual([1, 0]);
    }
    expect(server.mounts).toEqual([{ remoteAddress: expect.any(String), path: '/b' }]);
    await mount.ping();
  });
});
