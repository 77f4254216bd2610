import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAGE_SIZE } from '@rdmalab/kernel';
import { mountNfs, NfsError, type NfsMount } from '@rdmalab/nfs';
import { type ClientTransport, TRANSPORT_REGISTRY } from '@rdmalab/sunrpc';
import { RdmaClientTransport } from '@rdmalab/xprtrdma';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeNfsStack } from '../src/stack/compose.js';
import { type RxeRuntime, startRxeHost } from '../src/stack/rdma-rxe.js';
import { hasCommand, requirePeers } from './peers.js';
import {
  ensureCliBuilt,
  killAllServes,
  patternBytes,
  runCli,
  type ServeProcess,
  startServe,
} from './rxe-cli.js';

// Addresses of this file only (other files use other 127.0.x.0/24 blocks): no EADDRINUSE between files.
const SERVER_IP = '127.0.9.2';
const CLI_CLIENT_IP = '127.0.9.1';
const API_CLIENT_IP = '127.0.9.3';

/** The CLI commands the tests run, once per place the two processes live. */
function nfsOperations(
  name: string,
  setup: () => Promise<{ serve: ServeProcess; nfs: (...args: string[]) => ReturnType<typeof runCli> }>,
) {
  describe(name, () => {
    const dir = mkdtempSync(join(tmpdir(), 'rdmalab-rxe-cli-'));
    let ctx: Awaited<ReturnType<typeof setup>>;

    beforeAll(async () => {
      ctx = await setup();
    }, 60_000);
    afterAll(async () => {
      // Ctrl-C ends serve cleanly; the CLI reports an interrupted run as 130.
      if (ctx !== undefined) expect(await ctx.serve.stop()).toBe(130);
      rmSync(dir, { recursive: true, force: true });
    }, 30_000);

    it('serve says it runs NFS over rdma on rxe and MOUNT over TCP', () => {
      expect(ctx.serve.stdout()).toMatch(
        /NFS v3 over rdma \(rxe: RoCEv2 on UDP \S+:4791, path MTU \d+\) listening on \S+:20049/,
      );
      expect(ctx.serve.stdout()).toMatch(
        /MOUNT v3 and NFS v3 over tcp on \S+:\d+ \(clients mount over TCP\)/,
      );
    });

    it('mkdir, put a 6 MiB file, ls -l, stat, get (same bytes), mv, rm, rmdir; ENOENT exits 1', async () => {
      const { nfs } = ctx;
      expect(await nfs('mkdir', '-p', '/docs/deep')).toMatchObject({ code: 0 });
      const big = patternBytes(6 * 1024 * 1024 + 4321, 9);
      writeFileSync(join(dir, 'big.bin'), big);
      const put = await nfs('put', join(dir, 'big.bin'), '/docs/big.bin');
      expect(put.code, put.err).toBe(0);
      expect(put.err).toContain(`${big.length} bytes`);

      const ls = await nfs('ls', '-l', '/docs');
      expect(ls.code, ls.err).toBe(0);
      const lines = ls.out.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(new RegExp(`^-rw-r--r-- +1 +\\d+ +\\d+ +${big.length} .* big\\.bin$`));
      expect(lines[1]).toMatch(/^drwxr-xr-x .* deep$/);

      const stat = await nfs('stat', '/docs/big.bin');
      expect(stat.code, stat.err).toBe(0);
      expect(stat.out).toMatch(new RegExp(`Size: ${big.length} .* regular file`));

      const back = join(dir, 'big.back');
      const get = await nfs('get', '/docs/big.bin', back);
      expect(get.code, get.err).toBe(0);
      expect(Buffer.compare(readFileSync(back), big)).toBe(0);

      expect((await nfs('mv', '/docs/big.bin', '/docs/deep/moved.bin')).code).toBe(0);
      expect((await nfs('ls', '/docs/deep')).out).toBe('moved.bin\n');
      expect((await nfs('rm', '/docs/deep/moved.bin')).code).toBe(0);
      expect((await nfs('rmdir', '/docs/deep')).code).toBe(0);
      expect((await nfs('rmdir', '/docs')).code).toBe(0);
      expect(await nfs('ls', '/')).toMatchObject({ code: 0, out: '' });

      const missing = await nfs('stat', '/docs');
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(/ENOENT: server answered NFS3ERR_NOENT, stat '\/docs'/);
    }, 120_000);
  });
}

afterAll(async () => {
  await killAllServes();
}, 30_000);

describe('NFS over RPC-over-RDMA on rxe between two processes (rdmalab serve / rdmalab nfs)', () => {
  beforeAll(() => ensureCliBuilt(), 120_000);

  nfsOperations(`on loopback: server ${SERVER_IP}, client ${CLI_CLIENT_IP}`, async () => {
    const serve = await startServe([
      '--transport',
      'rdma',
      '--backend',
      'rxe',
      '--listen',
      SERVER_IP,
      '--no-rpcbind',
    ]);
    const nfs = (...args: string[]) =>
      runCli([
        'nfs',
        '--transport',
        'rdma',
        '--backend',
        'rxe',
        '--server',
        SERVER_IP,
        '--source',
        CLI_CLIENT_IP,
        '--mount-port',
        String(serve.mountPort),
        ...args,
      ]);
    return { serve, nfs };
  });

  describe(`the NFS client API in this process (${API_CLIENT_IP}) against the serve process`, () => {
    let serve: ServeProcess;
    let rxe: RxeRuntime;
    let fs: NfsMount;
    const made: RdmaClientTransport[] = [];

    beforeAll(async () => {
      serve = await startServe([
        '--transport',
        'rdma',
        '--listen',
        `${SERVER_IP}:20051`,
        '--mount-port',
        '0',
        '--no-rpcbind',
      ]);
      const cacheBytes = 8 << 20;
      const container = composeNfsStack({
        rxe: { ip: API_CLIENT_IP, memoryPages: cacheBytes / PAGE_SIZE + 4096 },
      });
      rxe = await startRxeHost(container);
      const registry = container.resolve(TRANSPORT_REGISTRY);
      // Keep the RDMA transports the mount makes, to read their chunk counters.
      const rdma = registry.get('rdma');
      registry.unregister('rdma');
      registry.register({
        name: rdma.name,
        ident: rdma.ident,
        netid: rdma.netid,
        createServer: (args) => rdma.createServer(args),
        createClient: (args): ClientTransport => {
          const t = rdma.createClient(args);
          if (t instanceof RdmaClientTransport) made.push(t);
          return t;
        },
      });
      fs = await mountNfs({
        host: SERVER_IP,
        path: '/',
        transport: 'rdma',
        mountTransport: 'tcp',
        registry,
        port: 20051,
        mountPort: serve.mountPort,
        scheduler: rxe.scheduler,
        memory: rxe.host.memory,
        cacheBytes,
        timeout: { initialNs: 10e9, retries: 2, soft: true },
      });
    }, 60_000);

    afterAll(async () => {
      await fs?.unmount();
      await rxe?.close();
      await serve?.stop();
    }, 30_000);

    async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(NfsError);
      expect((err as NfsError).code).toBe(code);
    }

    it('creates a tree, writes, appends, reads at offsets, lists with types, renames and removes', async () => {
      expect(await fs.mkdir('/t/a/b', { recursive: true })).toBe('/t');
      await fs.writeFile('/t/a/hello.txt', 'hello over rxe');
      await fs.appendFile('/t/a/hello.txt', '!');
      expect(await fs.readFile('/t/a/hello.txt', 'utf8')).toBe('hello over rxe!');
      const fh = await fs.open('/t/a/hello.txt', 'r+');
      await fh.write(Buffer.from('HELLO'), 0, 5, 0);
      const head = Buffer.alloc(5);
      await fh.read(head, 0, 5, 6);
      expect(head.toString()).toBe('over ');
      await fh.close();
      expect(await fs.readFile('/t/a/hello.txt', 'utf8')).toBe('HELLO over rxe!');
      const entries = await fs.readdir('/t/a', { withFileTypes: true });
      expect(
        Object.fromEntries(entries.map((e) => [e.name, e.isDirectory() ? 'dir' : e.isFile() ? 'file' : '?'])),
      ).toEqual({ b: 'dir', 'hello.txt': 'file' });
      expect((await fs.stat('/t/a/hello.txt')).size).toBe(15);
      await fs.rename('/t/a/hello.txt', '/t/a/b/hi.txt');
      expect(await fs.readdir('/t/a/b')).toEqual(['hi.txt']);
      await fs.unlink('/t/a/b/hi.txt');
      await fs.rmdir('/t/a/b');
    }, 60_000);

    it('moves 20 MiB each way through an 8 MiB page cache: WRITE by read chunks, READ by write chunks', async () => {
      const data = patternBytes(20 * 1024 * 1024 + 777, 4);
      const before = made.reduce((n, t) => n + t.xprt.stats.read_chunk_count, 0);
      await fs.writeFile('/t/big.bin', data);
      const back = await fs.readFile('/t/big.bin');
      expect(back.length).toBe(data.length);
      expect(Buffer.compare(back, data)).toBe(0);
      const stats = made.map((t) => t.xprt.stats);
      expect(stats.reduce((n, s) => n + s.read_chunk_count, 0) - before).toBeGreaterThanOrEqual(20);
      expect(stats.reduce((n, s) => n + s.write_chunk_count, 0)).toBeGreaterThanOrEqual(20);
      // The RoCEv2 packets really crossed UDP.
      expect(rxe.host.link.counters.get('rxe.rx_datagrams')).toBeGreaterThan(5000);
      await fs.unlink('/t/big.bin');
    }, 120_000);

    it('server errors arrive as NFS errors with Node codes', async () => {
      await expectCode(fs.readFile('/t/missing'), 'ENOENT');
      await expectCode(fs.mkdir('/t/a'), 'EEXIST');
      await fs.writeFile('/t/a/f', 'x');
      await expectCode(fs.rmdir('/t/a'), 'ENOTEMPTY');
      await expectCode(fs.readdir('/t/a/f'), 'ENOTDIR');
      await fs.unlink('/t/a/f');
      await fs.rmdir('/t/a');
      await fs.rmdir('/t');
    }, 60_000);
  });
});

// Two network namespaces joined by a veth pair: two "hosts" with their own stacks and a 1500-byte
// link (path MTU 1024, as rxe on Ethernet). Names unique to this run; created and deleted here.
const NS_CLIENT = `rdmalab-nfs-c-${process.pid}`;
const NS_SERVER = `rdmalab-nfs-s-${process.pid}`;
const NS_CLIENT_IP = '10.99.9.1';
const NS_SERVER_IP = '10.99.9.2';
const haveIp = hasCommand('ip');
const isRoot = process.getuid?.() === 0;
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

describe.skipIf(!(haveIp && isRoot) && !requirePeers)(
  'NFS over rxe between two network namespaces joined by a veth pair (10.99.9.0/30)',
  () => {
    beforeAll(() => {
      if (!haveIp) throw new Error('iproute2 (ip) is required (RDMALAB_REQUIRE_PEERS=1) but not installed');
      if (!isRoot) throw new Error('creating network namespaces needs root (RDMALAB_REQUIRE_PEERS=1)');
      ensureCliBuilt();
      ip('netns', 'add', NS_CLIENT);
      ip('netns', 'add', NS_SERVER);
      // The pair is made inside the client namespace and one end moved: the root namespace never holds either.
      ip('-n', NS_CLIENT, 'link', 'add', 'veth-c', 'type', 'veth', 'peer', 'name', 'veth-s');
      ip('-n', NS_CLIENT, 'link', 'set', 'veth-s', 'netns', NS_SERVER);
      ip('-n', NS_CLIENT, 'addr', 'add', `${NS_CLIENT_IP}/30`, 'dev', 'veth-c');
      ip('-n', NS_SERVER, 'addr', 'add', `${NS_SERVER_IP}/30`, 'dev', 'veth-s');
      for (const [ns, dev] of [
        [NS_CLIENT, 'veth-c'],
        [NS_SERVER, 'veth-s'],
      ] as const) {
        ip('-n', ns, 'link', 'set', 'lo', 'up');
        ip('-n', ns, 'link', 'set', dev, 'up');
      }
    }, 120_000);

    afterAll(async () => {
      await killAllServes();
      for (const ns of [NS_CLIENT, NS_SERVER]) {
        try {
          ip('netns', 'del', ns); // deleting the client namespace removes the veth pair too
        } catch {
          // never created (the setup failed before it)
        }
      }
    }, 30_000);

    nfsOperations(
      `server in ${NS_SERVER} (${NS_SERVER_IP}), client in ${NS_CLIENT} (${NS_CLIENT_IP})`,
      async () => {
        const serve = await startServe(
          ['--transport', 'rdma', '--backend', 'rxe', '--listen', NS_SERVER_IP, '--no-rpcbind'],
          NS_SERVER,
        );
        expect(serve.stdout()).toContain('path MTU 1024'); // the veth's 1500-byte MTU, by rxe's rule
        // No --source: the client finds the address its namespace routes to the server from.
        const nfs = (...args: string[]) =>
          runCli(
            [
              'nfs',
              '--transport',
              'rdma',
              '--server',
              NS_SERVER_IP,
              '--mount-port',
              String(serve.mountPort),
              ...args,
            ],
            NS_CLIENT,
          );
        return { serve, nfs };
      },
    );
  },
);
