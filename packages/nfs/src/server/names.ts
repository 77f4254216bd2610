import { NFS_MAXNAMLEN, Nfs3Stat } from '../constants.js';
import { NfsStatusError } from '../errors.js';

const UTF8 = new TextEncoder();

/**
 * Check a file name from a call before a store sees it: one path component, never a path.
 * A name with "/" or NUL is NFS3ERR_ACCES (as Linux lookup_one_len answers EACCES), an empty
 * name NFS3ERR_INVAL, one over 255 bytes NFS3ERR_NAMETOOLONG. "." and ".." are accepted only
 * where `dots` is true (LOOKUP); elsewhere they are NFS3ERR_INVAL.
 */
export function checkName(name: string, dots = false): void {
  if (name.length === 0) throw new NfsStatusError(Nfs3Stat.NFS3ERR_INVAL, 'empty file name');
  if (name.includes('/'))
    throw new NfsStatusError(Nfs3Stat.NFS3ERR_ACCES, `file name "${name}" contains "/"`);
  if (name.includes('\0')) throw new NfsStatusError(Nfs3Stat.NFS3ERR_ACCES, 'file name contains NUL');
  if (UTF8.encode(name).length > NFS_MAXNAMLEN) {
    throw new NfsStatusError(Nfs3Stat.NFS3ERR_NAMETOOLONG, `file name longer than ${NFS_MAXNAMLEN} bytes`);
  }
  if (!dots && (name === '.' || name === '..')) {
    throw new NfsStatusError(Nfs3Stat.NFS3ERR_INVAL, `"${name}" cannot be created, removed or renamed`);
  }
}
