import { type Nfs3ErrStat, Nfs3Stat, nfs3StatName } from './constants.js';

/**
 * A store or server operation failed with an NFSv3 status (RFC 1813 §2.6). `code` is the
 * status name (`NFS3ERR_NOENT`…), `status` its number; the server answers with it.
 */
export class NfsStatusError extends Error {
  override readonly name = 'NfsStatusError';
  readonly code: string;
  constructor(
    readonly status: Nfs3ErrStat,
    detail: string,
    options?: { cause?: unknown },
  ) {
    const code = nfs3StatName(status);
    super(`${code}: ${detail}`, options);
    this.code = code;
  }
}

/** Node-style errno name and number for each nfsstat3 (what node:fs/promises would throw). */
const ERRNO_OF: Readonly<Record<number, readonly [string, number]>> = {
  [Nfs3Stat.NFS3ERR_PERM]: ['EPERM', 1],
  [Nfs3Stat.NFS3ERR_NOENT]: ['ENOENT', 2],
  [Nfs3Stat.NFS3ERR_IO]: ['EIO', 5],
  [Nfs3Stat.NFS3ERR_NXIO]: ['ENXIO', 6],
  [Nfs3Stat.NFS3ERR_ACCES]: ['EACCES', 13],
  [Nfs3Stat.NFS3ERR_EXIST]: ['EEXIST', 17],
  [Nfs3Stat.NFS3ERR_XDEV]: ['EXDEV', 18],
  [Nfs3Stat.NFS3ERR_NODEV]: ['ENODEV', 19],
  [Nfs3Stat.NFS3ERR_NOTDIR]: ['ENOTDIR', 20],
  [Nfs3Stat.NFS3ERR_ISDIR]: ['EISDIR', 21],
  [Nfs3Stat.NFS3ERR_INVAL]: ['EINVAL', 22],
  [Nfs3Stat.NFS3ERR_FBIG]: ['EFBIG', 27],
  [Nfs3Stat.NFS3ERR_NOSPC]: ['ENOSPC', 28],
  [Nfs3Stat.NFS3ERR_ROFS]: ['EROFS', 30],
  [Nfs3Stat.NFS3ERR_MLINK]: ['EMLINK', 31],
  [Nfs3Stat.NFS3ERR_NAMETOOLONG]: ['ENAMETOOLONG', 36],
  [Nfs3Stat.NFS3ERR_NOTEMPTY]: ['ENOTEMPTY', 39],
  [Nfs3Stat.NFS3ERR_DQUOT]: ['EDQUOT', 122],
  [Nfs3Stat.NFS3ERR_STALE]: ['ESTALE', 116],
  [Nfs3Stat.NFS3ERR_REMOTE]: ['EREMOTE', 66],
  [Nfs3Stat.NFS3ERR_BADHANDLE]: ['EBADHANDLE', 521],
  [Nfs3Stat.NFS3ERR_NOT_SYNC]: ['ENOTSYNC', 522],
  [Nfs3Stat.NFS3ERR_BAD_COOKIE]: ['EBADCOOKIE', 523],
  [Nfs3Stat.NFS3ERR_NOTSUPP]: ['ENOTSUP', 95],
  [Nfs3Stat.NFS3ERR_TOOSMALL]: ['ETOOSMALL', 525],
  [Nfs3Stat.NFS3ERR_SERVERFAULT]: ['EIO', 5],
  [Nfs3Stat.NFS3ERR_BADTYPE]: ['EBADTYPE', 527],
  [Nfs3Stat.NFS3ERR_JUKEBOX]: ['EJUKEBOX', 528],
};

/** The errno name a node:fs call would report for an nfsstat3 (the Linux client's mapping). */
export function errnoOfNfsStatus(status: number): { code: string; errno: number } {
  const e = ERRNO_OF[status];
  return e === undefined ? { code: 'EIO', errno: 5 } : { code: e[0], errno: e[1] };
}

/**
 * What the client's fs-like API throws: shaped like a node:fs error (`code` ENOENT, `errno`,
 * `syscall`, `path`) and carrying the NFS status the server answered (`nfsStatus`, its name in
 * `nfsStatusName`) when the failure came from one. Local failures use errno codes only
 * (ENOTCONN, EBADF, EINVAL, ETIMEDOUT…).
 */
export class NfsError extends Error {
  override readonly name = 'NfsError';
  readonly errno: number;
  constructor(
    readonly code: string,
    errno: number,
    readonly syscall: string,
    readonly path: string | undefined,
    detail: string,
    readonly nfsStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${detail}, ${syscall}${path === undefined ? '' : ` '${path}'`}`, options);
    this.errno = -errno;
  }

  /** The nfsstat3 name, when the server answered one. */
  get nfsStatusName(): string | undefined {
    return this.nfsStatus === undefined ? undefined : nfs3StatName(this.nfsStatus);
  }

  static fromStatus(status: number, syscall: string, path: string | undefined): NfsError {
    const { code, errno } = errnoOfNfsStatus(status);
    return new NfsError(code, errno, syscall, path, `server answered ${nfs3StatName(status)}`, status);
  }
}
