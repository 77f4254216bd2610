import 'reflect-metadata';
import {
  mkdir as fsMkdir,
  open as fsOpen,
  rename as fsRename,
  writeFile as fsWriteFile,
  mkdtemp,
  readFile,
  rm,
  symlink,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mountNfs } from '../src/client/mount.js';
import { CreateMode, Ftype3, Nfs3Stat, StableHow } from '../src/constants.js';
import { FileHandleCodec } from '../src/server/file-handles.js';
import { NfsServer } from '../src/server/nfs-server.js';
import { Nfs3Service } from '../src/server/nfs3-service.js';
import { DirectoryStore } from '../src/store/directory-store.js';
import { clientSuite } from './support/client-suite.js';
import { createOk, lookupOk, ROOT, rootOf } from './support/service.js';

describe('directory store over TCP', () => {
  let dir: string;
  let server: NfsServer;
  let port = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rdmalab-nfs-dir-'));
    server = new NfsServer({ exports: [{ path: '/export', store: await DirectoryStore.open(dir) }] });
    port = (await server.listen()).port;
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  clientSuite('the rdmalab server (directory store)', ({ cacheBytes }) =>
    mountNfs({ host: '127.0.0.1', port, mountPort: port, path: '/export', cacheBytes }),
  );

  it('puts the bytes a client writes into the directory on disk', async () => {
    const fs = await mountNfs({ host: '127.0.0.1', port, mountPort: port, path: '/export' });
    await fs.mkdir('/disk/sub', { recursive: true });
    await fs.writeFile('/disk/sub/f.txt', 'on disk');
    await fs.unmount();
    expect(await readFile(join(dir, 'disk/sub/f.txt'), 'utf8')).toBe('on disk');
    await rm(join(dir, 'disk'), { recursive: true });
  });
});

describe('directory store never lets a client out of the export', () => {
  let base: string;
  let exportDir: string;
  let outside: string;
  let service: Nfs3Service;
  let root: Uint8Array;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'rdmalab-nfs-escape-'));
    exportDir = join(base, 'export');
    outside = join(base, 'outside');
    await fsMkdir(exportDir);
    await fsMkdir(outside);
    await fsWriteFile(join(outside, 'secret'), 'top secret');
    await symlink(outside, join(exportDir, 'link-dir'));
    await symlink(join(outside, 'secret'), join(exportDir, 'link-file'));
    await symlink('../outside/secret', join(exportDir, 'rel-link'));
    service = new Nfs3Service(
      [{ path: '/export', store: await DirectoryStore.open(exportDir) }],
      new FileHandleCodec(),
    );
    root = await rootOf(service);
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('".." of the root is the root', async () => {
    const up = await service.lookup({ what: { dir: root, name: '..' } });
    expect(up.status).toBe(0);
    if (up.status !== 0) return;
    const rootAttrs = await service.getattr({ object: root });
    expect(rootAttrs.status === 0 && up.ok.attributes?.fileid === rootAttrs.ok.attributes.fileid).toBe(true);
    const upup = await service.lookup({ what: { dir: up.ok.object, name: '..' } });
    expect(upup.status === 0 && upup.ok.attributes?.fileid).toBe(up.ok.attributes?.fileid);
  });

  it('a symlink to a directory outside is a link, never a way in', async () => {
    const link = await service.lookup({ what: { dir: root, name: 'link-dir' } });
    expect(link.status).toBe(0);
    if (link.status !== 0) return;
    expect(link.ok.attributes?.type).toBe(Ftype3.NF3LNK);
    const through = await service.lookup({ what: { dir: link.ok.object, name: 'secret' } });
    expect(through.status).toBe(Nfs3Stat.NFS3ERR_NOTDIR);
    const list = await service.readdir({
      dir: link.ok.object,
      cookie: 0n,
      cookieverf: new Uint8Array(8),
      count: 4096,
    });
    expect(list.status).toBe(Nfs3Stat.NFS3ERR_NOTDIR);
    const create = await service.create(
      {
        where: { dir: link.ok.object, name: 'planted' },
        how: { mode: CreateMode.UNCHECKED, attributes: {} },
      },
      ROOT,
    );
    expect(create.status).toBe(Nfs3Stat.NFS3ERR_NOTDIR);
  });

  it('a symlink to a file outside cannot be read, written or created over', async () => {
    for (const name of ['link-file', 'rel-link']) {
      const fh = await lookupOk(service, root, name);
      const read = await service.read({ file: fh, offset: 0, count: 100 });
      expect(read.status).toBe(Nfs3Stat.NFS3ERR_INVAL);
      const write = await service.write({
        file: fh,
        offset: 0,
        count: 3,
        stable: StableHow.FILE_SYNC,
        data: new Uint8Array(3),
      });
      expect(write.status).toBe(Nfs3Stat.NFS3ERR_INVAL);
      const setattr = await service.setattr({ object: fh, attributes: { size: 0 } });
      expect(setattr.status).toBe(Nfs3Stat.NFS3ERR_INVAL);
      const create = await service.create(
        { where: { dir: root, name }, how: { mode: CreateMode.UNCHECKED, attributes: { size: 0 } } },
        ROOT,
      );
      expect(create.status).toBe(Nfs3Stat.NFS3ERR_EXIST);
    }
    expect(await readFile(join(outside, 'secret'), 'utf8')).toBe('top secret');
  });

  it('absolute names and names with "/" or NUL are refused with NFS3ERR_ACCES', async () => {
    for (const name of ['/etc/passwd', '../outside/secret', 'a/../../outside', 'x\0y']) {
      const lookup = await service.lookup({ what: { dir: root, name } });
      expect(lookup.status, name).toBe(Nfs3Stat.NFS3ERR_ACCES);
      const create = await service.create(
        { where: { dir: root, name }, how: { mode: CreateMode.GUARDED, attributes: {} } },
        ROOT,
      );
      expect(create.status, name).toBe(Nfs3Stat.NFS3ERR_ACCES);
    }
  });

  it('"." and ".." cannot be created, removed or renamed (NFS3ERR_INVAL)', async () => {
    const f = await createOk(service, root, 'f');
    expect(f.length).toBeGreaterThan(0);
    for (const name of ['.', '..']) {
      expect((await service.mkdir({ where: { dir: root, name }, attributes: {} }, ROOT)).status).toBe(
        Nfs3Stat.NFS3ERR_INVAL,
      );
      expect((await service.remove({ object: { dir: root, name } })).status).toBe(Nfs3Stat.NFS3ERR_INVAL);
      expect((await service.rmdir({ object: { dir: root, name } })).status).toBe(Nfs3Stat.NFS3ERR_INVAL);
      const rn = await service.rename({ from: { dir: root, name: 'f' }, to: { dir: root, name } });
      expect(rn.status).toBe(Nfs3Stat.NFS3ERR_INVAL);
    }
  });

  it('names over 255 bytes are NFS3ERR_NAMETOOLONG', async () => {
    const res = await service.create(
      { where: { dir: root, name: 'é'.repeat(128) }, how: { mode: 0, attributes: {} } },
      ROOT,
    );
    expect(res.status).toBe(Nfs3Stat.NFS3ERR_NAMETOOLONG);
    expect((await service.lookup({ what: { dir: root, name: 'x'.repeat(256) } })).status).toBe(
      Nfs3Stat.NFS3ERR_NAMETOOLONG,
    );
    expect(
      (
        await service.create(
          { where: { dir: root, name: 'x'.repeat(255) }, how: { mode: 0, attributes: {} } },
          ROOT,
        )
      ).status,
    ).toBe(0);
  });

  it('a directory swapped for a symlink after its handle was given out is STALE or ACCES, never followed', async () => {
    await fsMkdir(join(exportDir, 'sub'));
    const sub = await lookupOk(service, root, 'sub');
    await fsMkdir(join(outside, 'sub'));
    await fsRename(join(exportDir, 'sub'), join(base, 'moved-away'));
    await symlink(join(outside), join(exportDir, 'sub'));
    const res = await service.create(
      { where: { dir: sub, name: 'planted' }, how: { mode: 0, attributes: {} } },
      ROOT,
    );
    expect([Nfs3Stat.NFS3ERR_STALE, Nfs3Stat.NFS3ERR_ACCES]).toContain(res.status);
    const look = await service.lookup({ what: { dir: sub, name: 'secret' } });
    expect([Nfs3Stat.NFS3ERR_STALE, Nfs3Stat.NFS3ERR_ACCES]).toContain(look.status);
  });

  it('forged handles and handles of another server are NFS3ERR_BADHANDLE; a removed file is NFS3ERR_STALE', async () => {
    const f = await createOk(service, root, 'victim');
    const forged = f.slice();
    forged[forged.length - 1]! ^= 1;
    expect((await service.getattr({ object: forged })).status).toBe(Nfs3Stat.NFS3ERR_BADHANDLE);
    expect((await service.getattr({ object: new Uint8Array(8) })).status).toBe(Nfs3Stat.NFS3ERR_BADHANDLE);
    const other = new Nfs3Service(
      [{ path: '/export', store: await DirectoryStore.open(exportDir) }],
      new FileHandleCodec(),
    );
    expect((await other.getattr({ object: f })).status).toBe(Nfs3Stat.NFS3ERR_BADHANDLE);
    expect((await service.remove({ object: { dir: root, name: 'victim' } })).status).toBe(0);
    expect((await service.getattr({ object: f })).status).toBe(Nfs3Stat.NFS3ERR_STALE);
    expect((await service.read({ file: f, offset: 0, count: 1 })).status).toBe(Nfs3Stat.NFS3ERR_STALE);
  });
});

describe('directory store durability', () => {
  let base: string;
  let service: Nfs3Service;
  let store: DirectoryStore;
  let root: Uint8Array;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'rdmalab-nfs-sync-'));
    store = await DirectoryStore.open(base);
    service = new Nfs3Service([{ path: '/export', store }], new FileHandleCodec());
    root = await rootOf(service);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(base, { recursive: true, force: true });
  });

  it('FILE_SYNC fsyncs and DATA_SYNC fdatasyncs before replying; UNSTABLE waits for COMMIT', async () => {
    const probe = await fsOpen(join(base, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as {
      sync: () => Promise<void>;
      datasync: () => Promise<void>;
    };
    await probe.close();
    const sync = vi.spyOn(proto, 'sync');
    const datasync = vi.spyOn(proto, 'datasync');
    const f = await createOk(service, root, 'd');
    const data = new Uint8Array([1, 2, 3]);

    const unstable = await service.write({ file: f, offset: 0, count: 3, stable: StableHow.UNSTABLE, data });
    expect(unstable.status === 0 && unstable.ok.committed).toBe(StableHow.UNSTABLE);
    expect(sync).not.toHaveBeenCalled();
    expect(datasync).not.toHaveBeenCalled();
    const commit = await service.commit({ file: f, offset: 0, count: 0 });
    expect(commit.status).toBe(0);
    expect(sync).toHaveBeenCalledTimes(1);

    const ds = await service.write({ file: f, offset: 3, count: 3, stable: StableHow.DATA_SYNC, data });
    expect(ds.status === 0 && ds.ok.committed).toBe(StableHow.DATA_SYNC);
    expect(datasync).toHaveBeenCalledTimes(1);

    const fsync = await service.write({ file: f, offset: 6, count: 3, stable: StableHow.FILE_SYNC, data });
    expect(fsync.status === 0 && fsync.ok.committed).toBe(StableHow.FILE_SYNC);
    expect(sync).toHaveBeenCalledTimes(2);
    expect([...(await readFile(join(base, 'd')))]).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
    if (commit.status === 0 && fsync.status === 0) expect(commit.ok.verf).toEqual(fsync.ok.verf);
  });

  it('the write verifier changes when the server restarts', async () => {
    const again = new Nfs3Service([{ path: '/export', store }], new FileHandleCodec());
    expect(again.writeVerifier).not.toEqual(service.writeVerifier);
  });
});
