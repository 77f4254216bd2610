import { open as openLocal, stat as statLocal } from 'node:fs/promises';
import { basename } from 'node:path';
import type { NfsMount } from '@rdmalab/nfs';
import type { CliIo } from '../io.js';
import { ProgressBar } from '../output/progress.js';
import { formatLongListing, formatStat } from './listing.js';

/** What one `rdmalab nfs` subcommand needs. Errors propagate (NfsError, node:fs errors). */
export interface NfsOperationContext {
  readonly mount: NfsMount;
  readonly io: CliIo;
  /** The subcommand's operands. */
  readonly operands: readonly string[];
  /** `-l` (ls), `-p` (mkdir). */
  readonly long: boolean;
  readonly parents: boolean;
}

/** Runs one subcommand; resolves with the exit code. */
export type NfsOperation = (ctx: NfsOperationContext) => Promise<number>;

export interface NfsOperationSpec {
  readonly run: NfsOperation;
  readonly operands: string;
  readonly min: number;
  readonly max: number;
}

/** Transfers above this many chunks show progress on stderr. */
const PROGRESS_CHUNKS = 8;
const EXIT_INTERRUPTED = 130;

function join(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

async function isRemoteDir(mount: NfsMount, path: string): Promise<boolean> {
  try {
    return (await mount.stat(path)).isDirectory();
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return false;
    throw e;
  }
}

async function isLocalDir(path: string): Promise<boolean> {
  try {
    return (await statLocal(path)).isDirectory();
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return false;
    throw e;
  }
}

function rate(bytes: number, ms: number): string {
  // Small transfers measure connection setup, not throughput.
  if (ms <= 0 || bytes < 1 << 20) return '';
  return ` (${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s)`;
}

const ls: NfsOperation = async ({ mount, io, operands, long }) => {
  const path = operands[0] ?? '/';
  const stats = await mount.stat(path);
  if (!stats.isDirectory()) {
    io.out(long ? formatLongListing([{ name: path, stats }]).join('\n') : path);
    return 0;
  }
  const names = (await mount.readdir(path)).sort();
  if (names.length === 0) return 0;
  if (!long) {
    io.out(names.join('\n'));
    return 0;
  }
  const entries = [];
  for (const name of names) entries.push({ name, stats: await mount.stat(join(path, name)) });
  io.out(formatLongListing(entries).join('\n'));
  return 0;
};

const stat: NfsOperation = async ({ mount, io, operands }) => {
  const path = operands[0]!;
  io.out(formatStat(path, await mount.stat(path)));
  return 0;
};

const cat: NfsOperation = async ({ mount, io, operands }) => {
  const path = operands[0]!;
  const fh = await mount.open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      if (io.signal.aborted) {
        io.err(`rdmalab nfs cat: interrupted after reading ${total} bytes of ${path}; nothing printed`);
        return EXIT_INTERRUPTED;
      }
      const { bytesRead, buffer } = await fh.read(Buffer.alloc(mount.rsize), 0, mount.rsize, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
    // Text only: stdout is written through CliIo as strings (use get for binary files).
    if (total > 0) io.out(Buffer.concat(chunks, total).toString('utf8'));
    return 0;
  } finally {
    await fh.close();
  }
};

/** One side of a chunked copy: a node:fs FileHandle or an NFS file handle (same call shape). */
interface ChunkSource {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}
interface ChunkSink {
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<unknown>;
}

/**
 * Copy `source` to `target` in `chunk`-sized pieces with a progress bar for large files; Ctrl-C
 * stops between chunks. Returns the bytes copied, or null when interrupted (after saying how far
 * it got). The caller closes both handles.
 */
async function copyChunks(
  io: CliIo,
  verb: 'put' | 'get',
  transfer: { source: ChunkSource; target: ChunkSink; size: number; chunk: number; destination: string },
): Promise<number | null> {
  const { source, target, size, chunk, destination } = transfer;
  const progress = size > chunk * PROGRESS_CHUNKS ? new ProgressBar(io, verb, Math.ceil(size / chunk)) : null;
  const buffer = Buffer.alloc(chunk);
  let done = 0;
  for (;;) {
    if (io.signal.aborted) {
      progress?.finish();
      io.err(
        `rdmalab nfs ${verb}: interrupted after ${done} of ${size} bytes; ${destination} holds the first ${done}`,
      );
      return null;
    }
    const { bytesRead } = await source.read(buffer, 0, chunk, done);
    if (bytesRead === 0) break;
    await target.write(buffer, 0, bytesRead, done);
    done += bytesRead;
    progress?.tick(1, `${done} bytes`);
  }
  progress?.finish();
  return done;
}

const put: NfsOperation = async ({ mount, io, operands }) => {
  const [local, remoteArg] = operands as [string, string];
  const remote = (await isRemoteDir(mount, remoteArg)) ? join(remoteArg, basename(local)) : remoteArg;
  const source = await openLocal(local, 'r');
  try {
    const { size, mode } = await source.stat();
    const started = Date.now();
    // Like cp(1): a new file gets the source's permission bits less the umask.
    const target = await mount.open(remote, 'w', mode & 0o777 & ~process.umask());
    let done: number | null;
    try {
      done = await copyChunks(io, 'put', { source, target, size, chunk: mount.wsize, destination: remote });
    } finally {
      // close writes back and COMMITs: the data is on the server's stable storage after this.
      await target.close();
    }
    if (done === null) return EXIT_INTERRUPTED;
    io.err(`rdmalab nfs put: ${done} bytes ${local} → ${remote}${rate(done, Date.now() - started)}`);
    return 0;
  } finally {
    await source.close();
  }
};

const get: NfsOperation = async ({ mount, io, operands }) => {
  const [remote, localArg] = operands as [string, string];
  const local = (await isLocalDir(localArg)) ? join(localArg, basename(remote)) : localArg;
  const source = await mount.open(remote, 'r');
  try {
    const size = (await source.stat()).size;
    const started = Date.now();
    const target = await openLocal(local, 'w');
    let done: number | null;
    try {
      done = await copyChunks(io, 'get', { source, target, size, chunk: mount.rsize, destination: local });
    } finally {
      await target.close();
    }
    if (done === null) return EXIT_INTERRUPTED;
    io.err(`rdmalab nfs get: ${done} bytes ${remote} → ${local}${rate(done, Date.now() - started)}`);
    return 0;
  } finally {
    await source.close();
  }
};

const mkdir: NfsOperation = async ({ mount, operands, parents }) => {
  // The client applies the umask, as mkdir(2) on an NFS mount does.
  await mount.mkdir(operands[0]!, { recursive: parents, mode: 0o777 & ~process.umask() });
  return 0;
};

const rm: NfsOperation = async ({ mount, operands }) => {
  await mount.unlink(operands[0]!);
  return 0;
};

const rmdir: NfsOperation = async ({ mount, operands }) => {
  await mount.rmdir(operands[0]!);
  return 0;
};

const mv: NfsOperation = async ({ mount, operands }) => {
  const [from, toArg] = operands as [string, string];
  // Like mv(1): a directory as the target means "into it".
  const to = (await isRemoteDir(mount, toArg)) ? join(toArg, basename(from)) : toArg;
  await mount.rename(from, to);
  return 0;
};

/** The subcommands of `rdmalab nfs`, with their operands. */
export const NFS_OPERATIONS: ReadonlyMap<string, NfsOperationSpec> = new Map([
  ['ls', { run: ls, operands: '[-l] [PATH]', min: 0, max: 1 }],
  ['stat', { run: stat, operands: 'PATH', min: 1, max: 1 }],
  ['cat', { run: cat, operands: 'PATH', min: 1, max: 1 }],
  ['put', { run: put, operands: 'LOCAL REMOTE', min: 2, max: 2 }],
  ['get', { run: get, operands: 'REMOTE LOCAL', min: 2, max: 2 }],
  ['mkdir', { run: mkdir, operands: '[-p] PATH', min: 1, max: 1 }],
  ['rm', { run: rm, operands: 'PATH', min: 1, max: 1 }],
  ['rmdir', { run: rmdir, operands: 'PATH', min: 1, max: 1 }],
  ['mv', { run: mv, operands: 'FROM TO', min: 2, max: 2 }],
]);
