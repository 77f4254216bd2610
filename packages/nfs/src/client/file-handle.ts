import { Buffer } from 'node:buffer';
import type { CachedFile } from './cached-file.js';
import type { NfsStats } from './stats.js';

/** What an open file may do, from its open flags. */
export interface OpenMode {
  readonly read: boolean;
  readonly write: boolean;
  readonly append: boolean;
}

/** The mount-side operations a file handle needs (kept narrow so the handle cannot reach around). */
export interface FileHandleHost {
  run<T>(syscall: string, path: string, fn: () => Promise<T>): Promise<T>;
  stat(file: CachedFile): Promise<NfsStats>;
  close(file: CachedFile): Promise<void>;
  fail(code: string, errno: number, syscall: string, path: string, detail: string): Error;
}

let nextFd = 3;

/**
 * An open file, shaped like node:fs/promises FileHandle: read and write at offsets (or at the
 * file position), stat, sync (write back and COMMIT), truncate, close (flush: close-to-open).
 */
export class NfsFileHandle {
  /** A number for messages; not an OS descriptor. */
  readonly fd = nextFd++;
  private position = 0;
  private closed = false;

  constructor(
    private readonly host: FileHandleHost,
    private readonly file: CachedFile,
    readonly path: string,
    private readonly mode: OpenMode,
  ) {}

  /** Read up to `length` bytes into `buffer` at `offset`, from `position` (null: the file position). */
  async read<T extends Uint8Array>(
    buffer: T,
    offset = 0,
    length: number = buffer.length - offset,
    position: number | null = null,
  ): Promise<{ bytesRead: number; buffer: T }> {
    this.check('read');
    if (!this.mode.read) throw this.host.fail('EBADF', 9, 'read', this.path, 'file not open for reading');
    if (this.file.attrs.type === 2)
      throw this.host.fail('EISDIR', 21, 'read', this.path, 'illegal operation on a directory');
    checkRange(this.host, 'read', this.path, buffer, offset, length, position);
    const at = position ?? this.position;
    const bytesRead = await this.host.run('read', this.path, () =>
      this.file.read(at, buffer.subarray(offset, offset + length)),
    );
    if (position === null) this.position += bytesRead;
    return { bytesRead, buffer };
  }

  /** Write `length` bytes of `buffer` from `offset`, at `position` (null: the file position; append mode: the end). */
  async write<T extends Uint8Array>(
    buffer: T,
    offset = 0,
    length: number = buffer.length - offset,
    position: number | null = null,
  ): Promise<{ bytesWritten: number; buffer: T }> {
    this.check('write');
    if (!this.mode.write) throw this.host.fail('EBADF', 9, 'write', this.path, 'file not open for writing');
    checkRange(this.host, 'write', this.path, buffer, offset, length, position);
    const at = this.mode.append ? this.file.size : (position ?? this.position);
    await this.host.run('write', this.path, () =>
      this.file.write(at, buffer.subarray(offset, offset + length)),
    );
    if (position === null || this.mode.append) this.position = at + length;
    return { bytesWritten: length, buffer };
  }

  /** The whole file from the current position (node FileHandle.readFile). */
  async readFile(): Promise<Buffer> {
    const out = Buffer.alloc(Math.max(0, this.file.size - this.position));
    let at = 0;
    while (at < out.length) {
      const { bytesRead } = await this.read(out, at, out.length - at, null);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === out.length ? out : out.subarray(0, at);
  }

  async stat(): Promise<NfsStats> {
    this.check('fstat');
    return this.host.stat(this.file);
  }

  /** Write back every dirty page and COMMIT (fsync). */
  async sync(): Promise<void> {
    this.check('fsync');
    await this.host.run('fsync', this.path, () => this.file.writeback());
  }

  async datasync(): Promise<void> {
    this.check('fdatasync');
    await this.host.run('fdatasync', this.path, () => this.file.writeback());
  }

  async truncate(len = 0): Promise<void> {
    this.check('ftruncate');
    if (!this.mode.write)
      throw this.host.fail('EINVAL', 22, 'ftruncate', this.path, 'file not open for writing');
    await this.host.run('ftruncate', this.path, async () => {
      await this.file.writeback();
      await this.file.truncate(len);
    });
  }

  /** Flush and commit what was written (close-to-open), then release the handle. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.host.close(this.file);
  }

  private check(syscall: string): void {
    if (this.closed) throw this.host.fail('EBADF', 9, syscall, this.path, 'file handle is closed');
  }
}

function checkRange(
  host: FileHandleHost,
  syscall: string,
  path: string,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number | null,
): void {
  const bad =
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > buffer.length ||
    (position !== null && (!Number.isSafeInteger(position) || position < 0));
  if (bad) {
    throw host.fail(
      'EINVAL',
      22,
      syscall,
      path,
      `offset ${offset}, length ${length}, position ${position} do not fit a ${buffer.length}-byte buffer`,
    );
  }
}
