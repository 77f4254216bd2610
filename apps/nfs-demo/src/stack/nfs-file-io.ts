import { PAGE_SIZE, type Page, type PhysicalMemory } from '@rdmalab/kernel';
import { CREATE3, CreateMode, LOOKUP3, NfsError, nfs3StatName, READ3, StableHow, WRITE3 } from '@rdmalab/nfs';
import type { NfsSession } from './nfs-session.js';

/**
 * NFSv3 calls one at a time, for scenarios that need to know which RPC carries which bytes:
 * CREATE, WRITE from caller-owned pages (the pages the HCA gathers, or registers for a read
 * chunk), READ into fresh pages over the wire (a write chunk), never from a cache.
 */

function fail(op: string, path: string, status: number): never {
  throw new NfsError('EIO', 5, op, path, `server answered ${nfs3StatName(status as never)}`);
}

/** CREATE (UNCHECKED) `name` in the export root; returns its file handle. */
export async function createFile(session: NfsSession, name: string): Promise<Uint8Array> {
  const res = await session.nfs.call(CREATE3, {
    where: { dir: session.rootFh, name },
    how: { mode: CreateMode.UNCHECKED, attributes: { mode: 0o644 } },
  });
  if (res.status !== 0 || res.ok.object === undefined) fail('create', name, res.status);
  return res.ok.object;
}

/** LOOKUP `name` in the export root; returns its file handle. */
export async function lookupFile(session: NfsSession, name: string): Promise<Uint8Array> {
  const res = await session.nfs.call(LOOKUP3, { what: { dir: session.rootFh, name } });
  if (res.status !== 0) fail('lookup', name, res.status);
  return res.ok.object;
}

/** Copy `bytes` into fresh pages of `memory` tagged `owner` (the caller frees them). */
export function pagesHolding(memory: PhysicalMemory, bytes: Uint8Array, owner: string): Page[] {
  const pages: Page[] = [];
  for (let at = 0; at < Math.max(1, bytes.length); at += PAGE_SIZE) {
    const page = memory.alloc(owner);
    page.bytes.fill(0);
    page.bytes.set(bytes.subarray(at, at + PAGE_SIZE));
    pages.push(page);
  }
  return pages;
}

/** WRITE `length` bytes from `pages` at `offset`, FILE_SYNC. Resolves with the count written. */
export async function writeFromPages(
  session: NfsSession,
  fh: Uint8Array,
  offset: number,
  pages: readonly Page[],
  length: number,
  name: string,
): Promise<number> {
  const res = await session.nfs.call(WRITE3, {
    file: fh,
    offset,
    count: length,
    stable: StableHow.FILE_SYNC,
    data: { pages, base: 0, length },
  });
  if (res.status !== 0) fail('write', name, res.status);
  return res.ok.count;
}

/** Largest READ sent at once (the server's rtmax is 1 MiB). */
const READ_MAX = 256 * 1024;

/**
 * READ `length` bytes at `offset`, at most 256 KiB per READ, each into fresh pages of `memory`;
 * returns a copy of the bytes (shorter at end of file).
 */
export async function readOverWire(
  session: NfsSession,
  memory: PhysicalMemory,
  fh: Uint8Array,
  offset: number,
  length: number,
  name: string,
): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const part = await readOnce(session, memory, fh, offset + done, Math.min(READ_MAX, length - done), name);
    out.set(part, done);
    done += part.length;
    if (part.length === 0) break;
  }
  return done === length ? out : out.slice(0, done);
}

async function readOnce(
  session: NfsSession,
  memory: PhysicalMemory,
  fh: Uint8Array,
  offset: number,
  length: number,
  name: string,
): Promise<Uint8Array> {
  const pages: Page[] = [];
  for (let i = 0; i < Math.max(1, Math.ceil(length / PAGE_SIZE)); i++)
    pages.push(memory.alloc(`verify:${name}`));
  try {
    const res = await session.nfs.call(
      READ3,
      { file: fh, offset, count: length },
      {
        replyPages: { pages, base: 0, length },
      },
    );
    if (res.status !== 0) fail('read', name, res.status);
    const out = new Uint8Array(res.ok.count);
    for (let at = 0; at < out.length; at += PAGE_SIZE)
      out.set(pages[at / PAGE_SIZE]!.bytes.subarray(0, Math.min(PAGE_SIZE, out.length - at)), at);
    return out;
  } finally {
    for (const p of pages) memory.free(p);
  }
}
