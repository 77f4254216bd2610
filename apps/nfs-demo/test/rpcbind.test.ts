import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliRegistry, formatRpcinfo, main, type RpcinfoEntry } from '../src/index.js';
import { captureIo } from './cli-io.js';
import { commandPath, ensureRpcbind, hasCommand, requirePeers } from './peers.js';

// One file for everything that talks to the machine's rpcbind: its tests run one after another,
// so rdmalab serve and nfs-ganesha never compete for the NFS registration.
const registry = cliRegistry();
const haveRpcbind = hasCommand('rpcbind');

describe('rdmalab rpcinfo without rpcbind', () => {
  it('says it cannot reach rpcbind and exits 1', async () => {
    const io = captureIo();
    expect(await main(['rpcinfo', '--server', '127.0.0.1:1'], io, registry)).toBe(1);
    expect(io.stderr).toContain('cannot reach rpcbind on 127.0.0.1:1: ECONNREFUSED');
  });

  it('rejects a bad --server with exit 2', async () => {
    const io = captureIo();
    expect(await main(['rpcinfo', '--server', '[::1'], io, registry)).toBe(2);
    expect(io.stderr).toContain('opens "[" without a closing "]"');
  });

  it('formats the table rpcinfo -p prints', () => {
    expect(
      formatRpcinfo([
        { program: 100000, version: 4, protocol: 'tcp', port: 111, service: 'portmapper' },
        { program: 100003, version: 3, protocol: 'tcp', port: 2049, service: 'nfs' },
        { program: 536870913, version: 1, protocol: 'udp', port: 40000, service: '' },
      ]),
    ).toBe(
      [
        '  program  vers  proto   port  service',
        '   100000     4    tcp    111  portmapper',
        '   100003     3    tcp   2049  nfs',
        '536870913     1    udp  40000',
      ].join('\n'),
    );
  });
});

describe.skipIf(!haveRpcbind && !requirePeers)(
  'rdmalab rpcinfo and serve with Debian rpcbind on 127.0.0.1:111',
  () => {
    let stopRpcbind: () => Promise<void> = async () => {};

    beforeAll(async () => {
      stopRpcbind = await ensureRpcbind();
    });
    afterAll(async () => {
      await stopRpcbind();
    });

    async function rpcinfoJson(): Promise<RpcinfoEntry[]> {
      const io = captureIo();
      expect(await main(['rpcinfo', '--json'], io, registry)).toBe(0);
      return JSON.parse(io.stdout) as RpcinfoEntry[];
    }

    it('lists rpcbind itself (program 100000 on port 111), as a table and as JSON', async () => {
      expect(await rpcinfoJson()).toContainEqual({
        program: 100000,
        version: 2,
        protocol: 'tcp',
        port: 111,
        service: 'portmapper',
      });
      const io = captureIo();
      expect(await main(['rpcinfo', '--server', '127.0.0.1:111'], io, registry)).toBe(0);
      const [header, ...rows] = io.stdout.trimEnd().split('\n');
      expect(header).toMatch(/^ *program +vers +proto +port +service$/);
      expect(rows).toContainEqual(expect.stringMatching(/^ *100000 +4 +tcp +111 +portmapper$/));
    });

    it('serve registers NFS and MOUNT; a client finds them through rpcbind; they go on Ctrl-C', async () => {
      // rpcbind holds one registration per program and version: wait out another NFS server's test.
      const free = Date.now() + 60_000;
      while ((await rpcinfoJson()).some((e) => e.program === 100003 || e.program === 100005)) {
        if (Date.now() > free) throw new Error('another NFS server stays registered with rpcbind');
        await new Promise((r) => setTimeout(r, 500));
      }
      const stop = new AbortController();
      const serverIo = captureIo(stop.signal);
      const served = main(['serve', '--listen', '127.0.0.1:0'], serverIo, registry);
      let port = 0;
      const deadline = Date.now() + 10_000;
      while (!/serving until Ctrl-C/.test(serverIo.stdout)) {
        if (Date.now() > deadline)
          throw new Error(`serve did not start:\n${serverIo.stdout}${serverIo.stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      try {
        expect(serverIo.stdout).toMatch(
          /registered with rpcbind on 127\.0\.0\.1:111 \(nfs 3 tcp \d+, mountd 3 tcp \d+\)/,
        );
        port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(serverIo.stdout)![1]);
        const entries = await rpcinfoJson();
        expect(entries).toContainEqual({
          program: 100003,
          version: 3,
          protocol: 'tcp',
          port,
          service: 'nfs',
        });
        expect(entries).toContainEqual({
          program: 100005,
          version: 3,
          protocol: 'tcp',
          port,
          service: 'mountd',
        });

        const io = captureIo();
        expect(await main(['nfs', '--server', '127.0.0.1', 'mkdir', '/via-rpcbind'], io, registry)).toBe(0);
        const ls = captureIo();
        expect(await main(['nfs', '--server', '127.0.0.1', 'ls'], ls, registry)).toBe(0);
        expect(ls.stdout).toBe('via-rpcbind\n');
      } finally {
        stop.abort();
        expect(await served).toBe(0);
      }
      expect(serverIo.stderr).toContain('unregistered from rpcbind');
      const after = await rpcinfoJson();
      expect(after.filter((e) => e.port === port)).toEqual([]);
    });
  },
);

const haveGanesha = hasCommand('ganesha.nfsd') && hasCommand('rpcbind');
const isRoot = process.getuid?.() === 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function run(...argv: string[]) {
  const io = captureIo();
  const code = await main(argv, io, registry);
  return { code, out: io.stdout, err: io.stderr };
}

async function registeredNfs(): Promise<RpcinfoEntry[]> {
  const r = await run('rpcinfo', '--json');
  if (r.code !== 0) return [];
  return (JSON.parse(r.out) as RpcinfoEntry[]).filter((e) => e.program === 100003 || e.program === 100005);
}

/** `rdmalab nfs` against nfs-ganesha (a C NFS server): the client is not only for rdmalab's server. */
describe.skipIf((!haveGanesha || !isRoot) && !requirePeers)(
  'rdmalab nfs against nfs-ganesha over TCP',
  () => {
    let base = '';
    let exportDir = '';
    let ganesha: ChildProcess | undefined;
    let stopRpcbind: () => Promise<void> = async () => {};
    let savedUmask = 0;

    beforeAll(async () => {
      savedUmask = process.umask(0o022); // put applies the umask, as cp does; the modes below assume 022
      if (!haveGanesha)
        throw new Error('RDMALAB_REQUIRE_PEERS=1 but ganesha.nfsd or rpcbind is not installed');
      if (!isRoot) throw new Error('RDMALAB_REQUIRE_PEERS=1 but nfs-ganesha needs root');
      stopRpcbind = await ensureRpcbind();
      // One NFS server per rpcbind: wait out another test's server.
      const free = Date.now() + 60_000;
      while ((await registeredNfs()).length > 0) {
        if (Date.now() > free) throw new Error('another NFS server stays registered with rpcbind');
        await new Promise((r) => setTimeout(r, 500));
      }
      base = await mkdtemp(join(tmpdir(), 'rdmalab-cli-ganesha-'));
      exportDir = join(base, 'export');
      await mkdir(exportDir);
      const conf = join(base, 'ganesha.conf');
      await writeFile(
        conf,
        `NFS_CORE_PARAM { Protocols = 3; NFS_Port = ${await freePort()}; MNT_Port = ${await freePort()};
  Enable_NLM = false; Enable_RQUOTA = false; Enable_UDP = false; Bind_addr = 127.0.0.1; }
NFSV4 { Graceless = true; }
EXPORT { Export_Id = 78; Path = ${exportDir}; Pseudo = ${exportDir}; Protocols = 3; Transports = TCP;
  Access_Type = RW; Squash = No_Root_Squash; SecType = sys; FSAL { Name = VFS; } }
`,
      );
      ganesha = spawn(
        commandPath('ganesha.nfsd')!,
        ['-F', '-L', join(base, 'ganesha.log'), '-f', conf, '-p', join(base, 'ganesha.pid')],
        { stdio: 'ignore' },
      );
      // Registered is not yet serving: wait until an ls through rpcbind and mountd works.
      const up = Date.now() + 30_000;
      for (;;) {
        if (
          (await registeredNfs()).length >= 2 &&
          (await run('nfs', '--server', '127.0.0.1', '--export', exportDir, 'ls')).code === 0
        )
          break;
        if (Date.now() > up || ganesha.exitCode !== null) {
          const log = await readFile(join(base, 'ganesha.log'), 'utf8').catch(() => '');
          throw new Error(`nfs-ganesha did not come up:\n${log.slice(-2000)}`);
        }
        await new Promise((r) => setTimeout(r, 300));
      }
    }, 120_000);

    afterAll(async () => {
      const child = ganesha;
      if (child !== undefined && child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(kill);
      }
      process.umask(savedUmask);
      await stopRpcbind();
      if (base !== '') await rm(base, { recursive: true, force: true });
    }, 30_000);

    it('mounts through rpcbind and mountd; put, ls -l, cat, mv, get, rm, rmdir; ENOENT exits 1', async () => {
      const nfs = (...args: string[]) => run('nfs', '--server', '127.0.0.1', '--export', exportDir, ...args);
      const local = join(base, 'hello.txt');
      await writeFile(local, 'hello, ganesha\n');
      expect((await nfs('mkdir', '/d')).code).toBe(0);
      expect((await nfs('put', local, '/d/hello.txt')).code).toBe(0);
      expect(await readFile(join(exportDir, 'd', 'hello.txt'), 'utf8')).toBe('hello, ganesha\n');
      const ls = await nfs('ls', '-l', '/d');
      expect(ls.code).toBe(0);
      expect(ls.out).toMatch(/^-rw-r--r-- +1 +0 +0 +15 .* hello\.txt\n$/);
      expect(await nfs('cat', '/d/hello.txt')).toMatchObject({ code: 0, out: 'hello, ganesha\n' });
      expect((await nfs('mv', '/d/hello.txt', '/moved.txt')).code).toBe(0);
      const back = join(base, 'back.txt');
      expect((await nfs('get', '/moved.txt', back)).code).toBe(0);
      expect(await readFile(back, 'utf8')).toBe('hello, ganesha\n');
      expect((await nfs('rm', '/moved.txt')).code).toBe(0);
      expect((await nfs('rmdir', '/d')).code).toBe(0);
      const missing = await nfs('stat', '/d');
      expect(missing.code).toBe(1);
      expect(missing.err).toContain('ENOENT');
    });
  },
);
