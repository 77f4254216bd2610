import 'reflect-metadata';
import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NfsMount } from '../src/client/nfs-mount.js';
import { clientSuite, pattern } from './support/client-suite.js';
import { buildNfsRdmaStack, type NfsRdmaStack } from './support/rdma-stack.js';

let stack: NfsRdmaStack;
beforeAll(async () => {
  stack = await buildNfsRdmaStack({ seed: 1, policies: 'linux-7.2' });
});
afterAll(async () => {
  await stack?.close();
});

clientSuite(
  'the rdmalab server (memory store) over RDMA on the simulated HCA (linux-7.2)',
  ({ cacheBytes }) => stack.mount({ cacheBytes }),
);

describe('NFS over RDMA: where the bytes travel', () => {
  const CACHE = 256 * 1024;
  let fs: NfsMount;
  beforeAll(async () => {
    fs = await stack.mount({ cacheBytes: CACHE });
  });
  afterAll(async () => {
    await fs?.unmount();
  });

  function delta(before: ReturnType<NfsRdmaStack['clientStats']>) {
    const now = stack.clientStats();
    return {
      readChunks: now.read_chunk_count - before.read_chunk_count,
      writeChunks: now.write_chunk_count - before.write_chunk_count,
      replyChunks: now.reply_chunk_count - before.reply_chunk_count,
      rdmaReadBytes: now.total_rdma_request - before.total_rdma_request,
      rdmaWriteBytes: now.total_rdma_reply - before.total_rdma_reply,
    };
  }

  it('sends WRITE data by read chunk and receives READ data by write chunk, for a file 4× the cache', async () => {
    const size = CACHE * 4 + 777;
    const data = pattern(size, 42);
    let before = stack.clientStats();
    await fs.writeFile('/placed.bin', data);
    const w = delta(before);
    expect(w.readChunks).toBeGreaterThan(0);
    // The server pulled the data with RDMA Reads; only a WRITE short enough to fit inline (the
    // 777-byte tail) travels in the Send.
    expect(w.rdmaReadBytes).toBeGreaterThanOrEqual(size - 4096);
    expect(w.writeChunks).toBe(0);
    expect(fs.cacheStats.pages).toBeLessThanOrEqual(fs.cacheStats.limit);

    before = stack.clientStats();
    const back = await fs.readFile('/placed.bin');
    const r = delta(before);
    expect(Buffer.compare(back, Buffer.from(data))).toBe(0);
    expect(r.writeChunks).toBeGreaterThan(0);
    // The file was evicted while writing, so it all came back by RDMA Write into the page cache.
    expect(r.rdmaWriteBytes).toBeGreaterThanOrEqual(size - CACHE);
    expect(r.readChunks).toBe(0);
    expect(fs.cacheStats.evictions).toBeGreaterThan(0);
  });

  it('gets a READDIR reply longer than the inline threshold through a reply chunk', async () => {
    await fs.mkdir('/wide');
    const names = Array.from({ length: 120 }, (_, i) => `a-rather-long-file-name-to-fill-the-reply-${i}`);
    for (let i = 0; i < names.length; i += 30) {
      await Promise.all(names.slice(i, i + 30).map((n) => fs.writeFile(`/wide/${n}`, n)));
    }
    const before = stack.clientStats();
    const listed = await fs.readdir('/wide');
    const d = delta(before);
    expect(listed.sort()).toEqual([...names].sort());
    expect(d.replyChunks).toBeGreaterThan(0);
  });

  it('keeps small calls inline: GETATTR moves no chunk', async () => {
    const fh = await fs.open('/placed.bin');
    const before = stack.clientStats();
    for (let i = 0; i < 5; i++) expect((await fh.stat()).size).toBe(CACHE * 4 + 777);
    expect(delta(before)).toEqual({
      readChunks: 0,
      writeChunks: 0,
      replyChunks: 0,
      rdmaReadBytes: 0,
      rdmaWriteBytes: 0,
    });
    await fh.close();
  });
});
