import 'reflect-metadata';
import { open as fsOpen, stat as fsStat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { mountNfs } from '../src/client/mount.js';
import type { NfsMount } from '../src/client/nfs-mount.js';
import { NfsServer } from '../src/server/nfs-server.js';
import { DirectoryStore } from '../src/store/directory-store.js';

/*
 * Sequential 64 MiB write and read through the NFS client (page cache 16 MiB, 1 MiB WRITEs and
 * READs, 8 in flight) against the rdmalab server on TCP loopback, beside the same I/O with
 * node:fs/promises on the local disk; GETATTR (fs.stat) per second beside a local stat. The
 * server uses the directory store so the process's memory is the client's: peak RSS is printed
 * at the end with the page-cache limit.
 */
const FILE_BYTES = 64 << 20;
const CHUNK = 1 << 20;
const CACHE_BYTES = 16 << 20;
const chunk = new Uint8Array(CHUNK).map((_, i) => i & 0xff);
const readBuf = new Uint8Array(CHUNK);

let base: string;
let server: NfsServer;
let fs: NfsMount;
let statHandle: Awaited<ReturnType<NfsMount['open']>>;
const rssStart = process.memoryUsage().rss;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'rdmalab-nfs-bench-'));
  const exportDir = join(base, 'export');
  await (await import('node:fs/promises')).mkdir(exportDir);
  server = new NfsServer({ exports: [{ path: '/export', store: await DirectoryStore.open(exportDir) }] });
  const { port } = await server.listen();
  fs = await mountNfs({ host: '127.0.0.1', port, mountPort: port, path: '/export', cacheBytes: CACHE_BYTES });
  await fs.writeFile('/stat-me', 'x');
  statHandle = await fs.open('/stat-me');
});

afterAll(async () => {
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(
    `[nfs bench] page cache limit ${CACHE_BYTES >> 20} MiB, pages now ${fs.cacheStats.pages}/${fs.cacheStats.limit}, ` +
      `evictions ${fs.cacheStats.evictions}; RSS at start ${(rssStart / 2 ** 20).toFixed(0)} MiB, ` +
      `peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB for ${FILE_BYTES >> 20} MiB files`,
  );
  await statHandle.close();
  await fs.unmount();
  await server.close();
  await rm(base, { recursive: true, force: true });
});

const opts = { iterations: 3, warmupIterations: 1, time: 0 };

describe('sequential 64 MiB write (MB/s = hz × 67.1)', () => {
  bench(
    'NFS client over TCP loopback (UNSTABLE + COMMIT on close)',
    async () => {
      const fh = await fs.open('/seq.bin', 'w');
      for (let at = 0; at < FILE_BYTES; at += CHUNK) await fh.write(chunk, 0, CHUNK, at);
      await fh.close();
    },
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
  bench(
    'NFS client over TCP loopback (cold: file 4× the page cache)',
    async () => {
      const fh = await fs.open('/seq.bin', 'r');
      for (let at = 0; at < FILE_BYTES; at += CHUNK) await fh.read(readBuf, 0, CHUNK, at);
      await fh.close();
    },
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

describe('attributes', () => {
  bench('NFS FileHandle.stat() = one GETATTR round trip', async () => {
    await statHandle.stat();
  });
  bench('node:fs stat() on local disk', async () => {
    await fsStat(join(base, 'local.bin'));
  });
});
