import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open as fsOpen, stat as fsStat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { mountNfs } from '../src/client/mount.js';
import type { NfsMount } from '../src/client/nfs-mount.js';
import { NfsServer } from '../src/server/nfs-server.js';
import { buildNfsRdmaStack, type NfsRdmaStack } from '../test/support/rdma-stack.js';

/*
 * Sequential 64 MiB write and read, and GETATTR per second, through the NFS client (page cache
 * 16 MiB, the server's I/O sizes, 8 in flight) against the rdmalab server with its memory store:
 * over TCP loopback, and over RPC-over-RDMA (xprtrdma, linux-7.2 policies) on the simulated HCA
 * in virtual time — in one run, side by side — beside the same I/O with node:fs/promises on the
 * local disk. Every figure is wall-clock. The RDMA figures time a CPU-bound simulation of the
 * fabric (every RoCE packet, ACK and completion is modelled in this process), not an RDMA NIC.
 *
 * First the client's memory is measured alone: a child process mounts the TCP server with an
 * 8 MiB and then a 32 MiB page cache, moves a 64 MiB file each way, and reports its RSS.
 */
const FILE_BYTES = 64 << 20;
const CHUNK = 1 << 20;
const CACHE_BYTES = 16 << 20;
const RSS_CACHE_LIMITS_MIB = [8, 32];
const chunk = new Uint8Array(CHUNK).map((_, i) => i & 0xff);
const readBuf = new Uint8Array(CHUNK);

let base: string;
let tcpServer: NfsServer;
let tcpPort: number;
let tcp: NfsMount;
let rdmaStack: NfsRdmaStack;
let rdma: NfsMount;
let tcpStat: Awaited<ReturnType<NfsMount['open']>>;
let rdmaStat: Awaited<ReturnType<NfsMount['open']>>;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'rdmalab-nfs-bench-'));
  tcpServer = new NfsServer();
  tcpPort = (await tcpServer.listen()).port;
  // First, while this process is quiet: its server's pace shapes how much the client buffers.
  await measureClientRss();
  tcp = await mountNfs({
    host: '127.0.0.1',
    port: tcpPort,
    mountPort: tcpPort,
    path: '/export',
    cacheBytes: CACHE_BYTES,
  });
  rdmaStack = await buildNfsRdmaStack({
    seed: 1,
    policies: 'linux-7.2',
    clientPages: 8192,
    serverPages: 8192,
  });
  rdma = await rdmaStack.mount({ cacheBytes: CACHE_BYTES });
  for (const fs of [tcp, rdma]) await fs.writeFile('/stat-me', 'x');
  tcpStat = await tcp.open('/stat-me');
  rdmaStat = await rdma.open('/stat-me');
});

afterAll(async () => {
  console.log(
    `[nfs bench] rsize/wsize TCP ${tcp.rsize}/${tcp.wsize}, RDMA ${rdma.rsize}/${rdma.wsize}; ` +
      `RDMA chunks ${JSON.stringify(rdmaStack.clientStats())}; ` +
      `simulated ${(rdmaStack.fabric.scheduler.now() / 1e9).toFixed(3)} s of fabric time in ${rdmaStack.driver.events} events`,
  );
  await tcpStat.close();
  await rdmaStat.close();
  await rdma.unmount();
  await rdmaStack.close();
  await tcp.unmount();
  await tcpServer.close();
  await rm(base, { recursive: true, force: true });
});

async function writeSeq(fs: NfsMount, path: string): Promise<void> {
  const fh = await fs.open(path, 'w');
  for (let at = 0; at < FILE_BYTES; at += CHUNK) await fh.write(chunk, 0, CHUNK, at);
  await fh.close();
}

async function readSeq(fs: NfsMount, path: string): Promise<void> {
  const fh = await fs.open(path, 'r');
  for (let at = 0; at < FILE_BYTES; at += CHUNK) await fh.read(readBuf, 0, CHUNK, at);
  await fh.close();
}

/** Each cache limit in a fresh process (peak RSS is per process), against the TCP server. */
async function measureClientRss(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  if (!existsSync(join(here, '..', 'dist', 'index.js'))) {
    console.log(
      '[nfs bench] client RSS not measured: the probe runs the built client, run `pnpm build` first',
    );
    return;
  }
  const run = promisify(execFile);
  for (const cacheMiB of RSS_CACHE_LIMITS_MIB) {
    const { stdout } = await run(
      process.execPath,
      [join(here, 'client-rss-probe.mjs'), String(tcpPort), String(cacheMiB), String(FILE_BYTES >> 20)],
      { cwd: join(here, '..') },
    );
    const r = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
      baselineRss: number;
      sampledPeakRss: number;
      maxRss: number;
      evictions: number;
    };
    const mib = (n: number): string => (n / 2 ** 20).toFixed(0);
    console.log(
      `[nfs bench] client alone, page cache ${cacheMiB} MiB, ${FILE_BYTES >> 20} MiB written and read: ` +
        `RSS ${mib(r.baselineRss)} MiB after import, peak ${mib(r.maxRss)} MiB ` +
        `(+${mib(r.maxRss - r.baselineRss)} MiB), ${r.evictions} evictions`,
    );
  }
}

const opts = { iterations: 3, warmupIterations: 1, time: 0 };

describe('sequential 64 MiB write (MB/s = hz × 67.1)', () => {
  bench('NFS over TCP loopback (UNSTABLE + COMMIT on close)', () => writeSeq(tcp, '/seq.bin'), opts);
  bench(
    'NFS over RPC-over-RDMA, simulated HCA (CPU-bound simulation, read chunks)',
    () => writeSeq(rdma, '/seq.bin'),
    opts,
  );
  bench(
    'node:fs/promises on local disk (fsync on close)',
    async () => {
      const fh = await fsOpen(join(base, 'local.bin'), 'w');
      for (let at = 0; at < FILE_BYTES; at += CHUNK) await fh.write(chunk, 0, CHUNK, at);
      await fh.sync();
      await fh.close();
    },
    opts,
  );
});

describe('sequential 64 MiB read (MB/s = hz × 67.1)', () => {
  bench('NFS over TCP loopback (cold: file 4× the page cache)', () => readSeq(tcp, '/seq.bin'), opts);
  bench(
    'NFS over RPC-over-RDMA, simulated HCA (cold, write chunks into the page cache)',
    () => readSeq(rdma, '/seq.bin'),
    opts,
  );
  bench(
    'node:fs/promises on local disk (OS page cache)',
    async () => {
      const fh = await fsOpen(join(base, 'local.bin'), 'r');
      for (let at = 0; at < FILE_BYTES; at += CHUNK) await fh.read(readBuf, 0, CHUNK, at);
      await fh.close();
    },
    opts,
  );
});

describe('attributes: one GETATTR round trip (FileHandle.stat())', () => {
  bench('NFS over TCP loopback', async () => {
    await tcpStat.stat();
  });
  bench('NFS over RPC-over-RDMA, simulated HCA', async () => {
    await rdmaStat.stat();
  });
  bench('node:fs stat() on local disk', async () => {
    await fsStat(join(base, 'local.bin'));
  });
});
