import { createFile, lookupFile, pagesHolding, readOverWire, writeFromPages } from './nfs-file-io.js';
import type { NfsSession } from './nfs-session.js';
import { intact, patternBytes } from './payload.js';
import type { SimStack } from './sim-stack.js';
import { runInVirtualTime } from './virtual-time.js';

/** One file of the mixed workload and how its bytes travel. */
export interface MixedFile {
  readonly name: string;
  readonly size: number;
}

/**
 * Files of every size class: inline with a mapped page (≤ ~3.5 KiB), a read chunk (FastReg,
 * RDMA Read by the server), and several WRITEs per file through the page cache.
 */
export const MIXED_FILES: readonly MixedFile[] = [
  { name: 'notes.txt', size: 700 },
  { name: 'config.json', size: 3000 },
  { name: 'photo.jpg', size: 24 * 1024 },
  { name: 'archive.tar', size: 96 * 1024 },
];

export interface MixedResult {
  /** Every byte read back over the wire matched what was written (I6). */
  readonly dataVerified: boolean;
  readonly files: number;
  readonly bytes: number;
  /** Files whose read-back differed, or that could not be written/read (with the error). */
  readonly damaged: readonly string[];
}

/**
 * A mixed NFS workload: create the files (CREATE UNCHECKED), then write them through the page
 * cache (open r+, UNSTABLE WRITEs, COMMIT on close) and, in parallel, small direct WRITEs from
 * pages freed as soon as each RPC completes (what a page cache does when it evicts a clean page:
 * the next user gets the frame); then READ everything back over the wire and compare. Only
 * idempotent procedures run after `beforeWrites` (LOOKUP, WRITE, COMMIT, READ): a fault there can
 * make the client retransmit them, and this server keeps no duplicate request cache. Errors are
 * recorded, not thrown.
 */
export async function runMixedWorkload(
  stack: SimStack,
  session: NfsSession,
  options: {
    readonly seed: number;
    readonly timeoutNs?: number;
    readonly files?: readonly MixedFile[];
    /** Called once every file exists, just before the first WRITE (faults start here). */
    readonly beforeWrites?: () => void;
  },
): Promise<MixedResult> {
  const files = options.files ?? MIXED_FILES;
  const timeoutNs = options.timeoutNs ?? 30_000_000_000;
  const memory = stack.clientHost.memory;
  const damaged: string[] = [];
  const contents = files.map((f, i) => patternBytes(f.size, options.seed * 8 + i));
  const run = <T>(p: Promise<T>, what: string) => runInVirtualTime(stack.fabric, p, what, timeoutNs);
  const directName = 'journal.log';
  const direct = patternBytes(4 * 1500, options.seed * 8 + 7);
  let directFh: Uint8Array;
  try {
    await run(Promise.all(files.map((f) => createFile(session, f.name))), 'CREATE');
    directFh = await run(createFile(session, directName), 'CREATE');
  } catch (error) {
    damaged.push(`create: ${error instanceof Error ? error.message : String(error)}`);
    return { dataVerified: false, files: files.length + 1, bytes: 0, damaged };
  }
  options.beforeWrites?.();
  const writeThroughCache = async (name: string, data: Uint8Array): Promise<void> => {
    const handle = await session.fs.open(`/${name}`, 'r+');
    try {
      await handle.write(data, 0, data.length, 0);
    } finally {
      await handle.close();
    }
  };
  try {
    await run(
      Promise.all([
        ...files.map((f, i) => writeThroughCache(f.name, contents[i]!)),
        (async () => {
          const fh = directFh;
          await Promise.all(
            [0, 1, 2, 3].map(async (k) => {
              const chunk = direct.subarray(k * 1500, (k + 1) * 1500);
              const pages = pagesHolding(memory, chunk, `nfs:/${directName}#${k}`);
              try {
                await writeFromPages(session, fh, k * 1500, pages, chunk.length, directName);
              } finally {
                for (const p of pages) memory.free(p);
              }
            }),
          );
        })(),
      ]),
      'writes',
    );
  } catch (error) {
    damaged.push(`writes: ${error instanceof Error ? error.message : String(error)}`);
    return { dataVerified: false, files: files.length + 1, bytes: 0, damaged };
  }
  let bytes = 0;
  const all = [
    ...files.map((f, i) => ({ name: f.name, data: contents[i]! })),
    { name: directName, data: direct },
  ];
  for (const { name, data } of all) {
    try {
      const fh = await run(lookupFile(session, name), `LOOKUP ${name}`);
      const back = await run(readOverWire(session, memory, fh, 0, data.length, name), `READ ${name}`);
      if (!intact(back, data)) damaged.push(name);
      bytes += back.length;
    } catch (error) {
      damaged.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { dataVerified: damaged.length === 0, files: all.length, bytes, damaged };
}
