import type { NfsStats } from '@rdmalab/nfs';
import { formatColumns } from '../output/table.js';

/** S_IFMT and the type letter `ls -l` shows for it (Linux include/uapi/linux/stat.h). */
const TYPE_LETTERS: ReadonlyMap<number, string> = new Map([
  [0o140000, 's'],
  [0o120000, 'l'],
  [0o100000, '-'],
  [0o060000, 'b'],
  [0o040000, 'd'],
  [0o020000, 'c'],
  [0o010000, 'p'],
]);
const S_IFMT = 0o170000;

/** `drwxr-xr-x` from st_mode, with setuid/setgid/sticky shown as ls does (s/S, t/T). */
export function modeString(mode: number): string {
  const type = TYPE_LETTERS.get(mode & S_IFMT) ?? '?';
  const triplet = (bits: number, special: boolean, lower: string, upper: string) =>
    `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${special ? (bits & 1 ? lower : upper) : bits & 1 ? 'x' : '-'}`;
  return (
    type +
    triplet((mode >> 6) & 7, (mode & 0o4000) !== 0, 's', 'S') +
    triplet((mode >> 3) & 7, (mode & 0o2000) !== 0, 's', 'S') +
    triplet(mode & 7, (mode & 0o1000) !== 0, 't', 'T')
  );
}

/** The type stat(1) names ("regular file", "directory"…). */
export function typeName(stats: NfsStats): string {
  if (stats.isFile()) return stats.size === 0 ? 'regular empty file' : 'regular file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symbolic link';
  if (stats.isBlockDevice()) return 'block special file';
  if (stats.isCharacterDevice()) return 'character special file';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  return 'unknown';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** ls shows the time of day for files changed within about six months, the year otherwise. */
const RECENT_MS = (365.2425 / 2) * 24 * 3600 * 1000;

/** `Nov 21 11:16` or `Nov 21  2024`, in UTC so output does not depend on the machine's zone. */
export function lsTime(mtime: Date, now: Date): string {
  const month = MONTHS[mtime.getUTCMonth()]!;
  const day = String(mtime.getUTCDate()).padStart(2);
  const age = now.getTime() - mtime.getTime();
  const recent = age < RECENT_MS && age > -3600 * 1000;
  const tail = recent
    ? `${String(mtime.getUTCHours()).padStart(2, '0')}:${String(mtime.getUTCMinutes()).padStart(2, '0')}`
    : String(mtime.getUTCFullYear()).padStart(5);
  return `${month} ${day} ${tail}`;
}

/** `ls -l` lines: mode, links, uid, gid, size, mtime, name; numeric columns right-aligned. */
export function formatLongListing(
  entries: readonly { readonly name: string; readonly stats: NfsStats }[],
  now: Date = new Date(),
): string[] {
  return formatColumns(
    ['left', 'right', 'right', 'right', 'right', 'left', 'left'],
    entries.map(({ name, stats }) => [
      modeString(stats.mode),
      String(stats.nlink),
      String(stats.uid),
      String(stats.gid),
      String(stats.size),
      lsTime(stats.mtime, now),
      name,
    ]),
    1,
  );
}

/** What `stat PATH` prints, after stat(1)'s layout. */
export function formatStat(path: string, stats: NfsStats): string {
  const perm = (stats.mode & 0o7777).toString(8).padStart(4, '0');
  return [
    `  File: ${path}`,
    `  Size: ${stats.size}  Blocks: ${stats.blocks}  IO Block: ${stats.blksize}  ${typeName(stats)}`,
    `Device: ${stats.dev}  Inode: ${stats.ino}  Links: ${stats.nlink}`,
    `Access: (${perm}/${modeString(stats.mode)})  Uid: ${stats.uid}  Gid: ${stats.gid}`,
    `Access: ${stats.atime.toISOString()}`,
    `Modify: ${stats.mtime.toISOString()}`,
    `Change: ${stats.ctime.toISOString()}`,
  ].join('\n');
}
