import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { UsageError } from '../command.js';

/** Bytes of a new key (HMAC-SHA-256 key size), and the least a key file must hold. */
const NEW_SECRET_BYTES = 32;
const MIN_SECRET_BYTES = 16;

/**
 * The file-handle key in `path`: its bytes, or — when the file does not exist — 32 random bytes
 * written there first (mode 0600, never over an existing file). Keeping the key across restarts
 * keeps clients' file handles valid, as knfsd's handles survive a reboot. A key file that cannot
 * be read or is too short is a UsageError naming the flag.
 */
export async function readHandleSecret(flag: string, path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new UsageError(`${flag} ${path}: ${e instanceof Error ? e.message : String(e)}`);
    bytes = new Uint8Array(randomBytes(NEW_SECRET_BYTES));
    try {
      await writeFile(path, bytes, { mode: 0o600, flag: 'wx' });
    } catch (w) {
      // Another server created it between our read and write: use theirs.
      if ((w as NodeJS.ErrnoException).code === 'EEXIST') return readHandleSecret(flag, path);
      throw new UsageError(`${flag} ${path}: ${w instanceof Error ? w.message : String(w)}`);
    }
  }
  if (bytes.length < MIN_SECRET_BYTES)
    throw new UsageError(
      `${flag} ${path}: a key needs at least ${MIN_SECRET_BYTES} bytes, the file has ${bytes.length}`,
    );
  return bytes;
}
