import 'reflect-metadata';
import { Buffer } from 'node:buffer';
import { PhysicalMemory } from '@rdmalab/kernel';
import { afterEach, describe, expect, it } from 'vitest';
import { mountNfs } from '../src/client/mount.js';
import type { NfsMount } from '../src/client/nfs-mount.js';
import { type CachedPage, PageCache, type PageOwner } from '../src/client/page-cache.js';
import { StableHow } from '../src/constants.js';
import { NfsServer } from '../src/server/nfs-server.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { pattern } from './support/client-suite.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(
  options: ConstructorParameters<typeof NfsServer>[0] = {},
): Promise<{ server: NfsServer; port: number }> {
  const server = new NfsServer(options);
  const { port } = await server.listen();
  cleanups.push(() => server.close());
  return { server, port };
}

async function mount(port: number, extra: Partial<Parameters<typeof mountNfs>[0]> = {}): Promise<NfsMount> {
  const fs = await mountNfs({ host: '127.0.0.1', port, mountPort: port, path: '/export', ...extra });
  cleanups.push(() => fs.unmount());
  return fs;
}

describe('client page cache', () => {
  it('evicts the least recently used clean page and hands its frame to the next user at once (LIFO)', async () => {
    const memory = new PhysicalMemory({ totalPages: 8 });
    const cache = new PageCache(memory, 2);
    const dropped: CachedPage[] = [];
    const owner: PageOwner = {
      name: 'f',
      dropPage: (p) => dropped.push(p),
      writeback: async () => {},
      hasDirty: false,
    };
    cache.register(owner);
    const p0 = await cache.allocate(owner, 0, 'clean');
    const p1 = await cache.allocate(owner, 1, 'clean');
    cache.touch(p0); // p1 is now the least recently used
    const p2 = await cache.allocate(owner, 2, 'clean');
    expect(dropped).toEqual([p1]);
    expect(p2.page).toBe(p1.page); // the frame just freed, reused first
    expect(p2.page.owner).toBe('nfs:f#2');
    expect(memory.allocatedPages).toBe(2);
    expect(cache.stats.evictions).toBe(1);
    // Dirty pages are never evicted: the owner is written back first.
    p0.state = 'dirty';
    p2.state = 'dirty';
    let wrote = 0;
    const dirtyOwner: PageOwner = {
      name: 'f',
      dropPage: (p) => dropped.push(p),
      writeback: async () => {
        wrote++;
        p0.state = 'clean';
      },
      get hasDirty() {
        return p0.state === 'dirty';
      },
    };
    cache.register(dirtyOwner);
    const p3 = await cache.allocate(dirtyOwner, 3, 'clean');
    expect(wrote).toBe(1);
    expect(p3.page).toBe(p0.page);
    expect(dropped).toEqual([p1, p0]);
  });

  it('takes pages from the kernel allocator, stays under its limit and frees evicted pages (LIFO reuse)', async () => {
    const { port } = await serve();
    const memory = new PhysicalMemory({ totalPages: 64, name: 'client' });
    const fs = await mount(port, { memory, cacheBytes: 32 * 4096, rsize: 16 * 4096, wsize: 16 * 4096 });
    const data = pattern(200 * 4096, 3);
    await fs.writeFile('/f', data);
    expect(memory.allocatedPages).toBeLessThanOrEqual(32);
    expect(Buffer.compare(await fs.readFile('/f'), Buffer.from(data))).toBe(0);
    expect(memory.allocatedPages).toBeLessThanOrEqual(32);
    expect(fs.cacheStats.evictions).toBeGreaterThan(0);
  });

  it('sends wsize WRITEs, several in flight, and COMMITs after UNSTABLE writes', async () => {
    const { server, port } = await serve();
    const fs = await mount(port, { wsize: 64 * 1024, cacheBytes: 8 << 20 });
    await fs.writeFile('/w', pattern(1 << 20, 9));
    expect(fs.counters.writeRpcs).toBe(16);
    expect(fs.counters.commitRpcs).toBeGreaterThanOrEqual(1);
    expect(fs.counters.bytesWritten).toBe(1 << 20);
    const op = server.rpc.stats.op(100003, 3, 7, 'WRITE');
    expect(op.ops).toBe(16);
  });

  it('FILE_SYNC mounts need no COMMIT', async () => {
    const { port } = await serve();
    const fs = await mount(port, { stable: StableHow.FILE_SYNC });
    await fs.writeFile('/s', 'sync me');
    expect(fs.counters.commitRpcs).toBe(0);
    expect(await fs.readFile('/s', 'utf8')).toBe('sync me');
  });

  it('writes UNSTABLE data again when the server restarted before COMMIT (new write verifier)', async () => {
    const store = new MemoryStore();
    const secret = new Uint8Array(32).fill(5);
    const first = new NfsServer({ exports: [{ path: '/export', store }], handleSecret: secret });
    const { port } = await first.listen();
    const fs = await mountNfs({
      host: '127.0.0.1',
      port,
      mountPort: port,
      path: '/export',
      cacheBytes: 64 * 4096,
    });
    const data = pattern(50 * 4096, 11);
    const fh = await fs.open('/restart', 'w');
    await fh.write(data); // 50 dirty pages ≥ half the cache: sent as UNSTABLE WRITEs, not committed
    expect(fs.counters.writeRpcs).toBeGreaterThan(0);
    expect(fs.counters.commitRpcs).toBe(0);
    await first.close();
    const second = new NfsServer({ exports: [{ path: '/export', store }], handleSecret: secret, port });
    await second.listen();
    cleanups.push(() => second.close());
    await fh.close(); // COMMIT answers a new verifier: every page is written again
    expect(fs.counters.rewrittenPages).toBe(50);
    await fs.unmount();
    const check = await mount(port);
    expect(Buffer.compare(await check.readFile('/restart'), Buffer.from(data))).toBe(0);
  });

  it('close-to-open: a reopen sees another client’s change; unchanged files keep their pages', async () => {
    const { port } = await serve();
    const a = await mount(port);
    const b = await mount(port);
    await a.writeFile('/cto', 'version-1');
    expect(await b.readFile('/cto', 'utf8')).toBe('version-1');
    const readsBefore = b.counters.readRpcs;
    expect(await b.readFile('/cto', 'utf8')).toBe('version-1');
    expect(b.counters.readRpcs).toBe(readsBefore); // served from b's cache
    await a.writeFile('/cto', 'version-2!');
    expect(await b.readFile('/cto', 'utf8')).toBe('version-2!');
    expect(b.counters.readRpcs).toBe(readsBefore + 1);
  });

  it('releases every page back to the allocator on unmount', async () => {
    const { port } = await serve();
    const memory = new PhysicalMemory({ totalPages: 128 });
    const fs = await mountNfs({
      host: '127.0.0.1',
      port,
      mountPort: port,
      path: '/export',
      memory,
      cacheBytes: 128 * 4096,
    });
    await fs.writeFile('/x', pattern(40 * 4096, 1));
    await fs.readFile('/x');
    expect(memory.allocatedPages).toBeGreaterThan(0);
    await fs.unmount();
    expect(memory.allocatedPages).toBe(0);
  });
});
