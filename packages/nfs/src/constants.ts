/** NFS version 3 and MOUNT version 3 protocol numbers (RFC 1813). */

/** NFS program number and version (RFC 1813 §3, "program NFS_PROGRAM … = 100003", version 3). */
export const NFS_PROGRAM = 100003;
export const NFS_V3 = 3;
/** MOUNT program number and version (RFC 1813 §5, "program MOUNT_PROGRAM … = 100005", version 3). */
export const MOUNT_PROGRAM = 100005;
export const MOUNT_V3 = 3;
/** Well-known NFS port (RFC 1813 §3 note; IANA "nfs" 2049). */
export const NFS_PORT = 2049;

/** NFSv3 procedure numbers (RFC 1813 §3.3). */
export const Nfs3Proc = {
  NULL: 0,
  GETATTR: 1,
  SETATTR: 2,
  LOOKUP: 3,
  ACCESS: 4,
  READLINK: 5,
  READ: 6,
  WRITE: 7,
  CREATE: 8,
  MKDIR: 9,
  SYMLINK: 10,
  MKNOD: 11,
  REMOVE: 12,
  RMDIR: 13,
  RENAME: 14,
  LINK: 15,
  READDIR: 16,
  READDIRPLUS: 17,
  FSSTAT: 18,
  FSINFO: 19,
  PATHCONF: 20,
  COMMIT: 21,
} as const;
export type Nfs3Proc = (typeof Nfs3Proc)[keyof typeof Nfs3Proc];

/** MOUNT v3 procedure numbers (RFC 1813 §5.2). */
export const Mount3Proc = { NULL: 0, MNT: 1, DUMP: 2, UMNT: 3, UMNTALL: 4, EXPORT: 5 } as const;
export type Mount3Proc = (typeof Mount3Proc)[keyof typeof Mount3Proc];

/** nfsstat3 (RFC 1813 §2.6): every status a server may return. */
export const Nfs3Stat = {
  NFS3_OK: 0,
  NFS3ERR_PERM: 1,
  NFS3ERR_NOENT: 2,
  NFS3ERR_IO: 5,
  NFS3ERR_NXIO: 6,
  NFS3ERR_ACCES: 13,
  NFS3ERR_EXIST: 17,
  NFS3ERR_XDEV: 18,
  NFS3ERR_NODEV: 19,
  NFS3ERR_NOTDIR: 20,
  NFS3ERR_ISDIR: 21,
  NFS3ERR_INVAL: 22,
  NFS3ERR_FBIG: 27,
  NFS3ERR_NOSPC: 28,
  NFS3ERR_ROFS: 30,
  NFS3ERR_MLINK: 31,
  NFS3ERR_NAMETOOLONG: 63,
  NFS3ERR_NOTEMPTY: 66,
  NFS3ERR_DQUOT: 69,
  NFS3ERR_STALE: 70,
  NFS3ERR_REMOTE: 71,
  NFS3ERR_BADHANDLE: 10001,
  NFS3ERR_NOT_SYNC: 10002,
  NFS3ERR_BAD_COOKIE: 10003,
  NFS3ERR_NOTSUPP: 10004,
  NFS3ERR_TOOSMALL: 10005,
  NFS3ERR_SERVERFAULT: 10006,
  NFS3ERR_BADTYPE: 10007,
  NFS3ERR_JUKEBOX: 10008,
} as const;
export type Nfs3Stat = (typeof Nfs3Stat)[keyof typeof Nfs3Stat];
export type Nfs3StatName = keyof typeof Nfs3Stat;
/** Every nfsstat3 other than NFS3_OK. */
export type Nfs3ErrStat = Exclude<Nfs3Stat, 0>;
export const NFS3_STATS: ReadonlySet<number> = new Set(Object.values(Nfs3Stat));

/** mountstat3 (RFC 1813 §5.1.5). */
export const MountStat = {
  MNT3_OK: 0,
  MNT3ERR_PERM: 1,
  MNT3ERR_NOENT: 2,
  MNT3ERR_IO: 5,
  MNT3ERR_ACCES: 13,
  MNT3ERR_NOTDIR: 20,
  MNT3ERR_INVAL: 22,
  MNT3ERR_NAMETOOLONG: 63,
  MNT3ERR_NOTSUPP: 10004,
  MNT3ERR_SERVERFAULT: 10006,
} as const;
export type MountStat = (typeof MountStat)[keyof typeof MountStat];
export const MOUNT_STATS: ReadonlySet<number> = new Set(Object.values(MountStat));

/** ftype3 (RFC 1813 §2.6). */
export const Ftype3 = {
  NF3REG: 1,
  NF3DIR: 2,
  NF3BLK: 3,
  NF3CHR: 4,
  NF3LNK: 5,
  NF3SOCK: 6,
  NF3FIFO: 7,
} as const;
export type Ftype3 = (typeof Ftype3)[keyof typeof Ftype3];
export const FTYPES: ReadonlySet<number> = new Set(Object.values(Ftype3));

/** stable_how (RFC 1813 §3.3.7). */
export const StableHow = { UNSTABLE: 0, DATA_SYNC: 1, FILE_SYNC: 2 } as const;
export type StableHow = (typeof StableHow)[keyof typeof StableHow];
export const STABLE_HOWS: ReadonlySet<number> = new Set(Object.values(StableHow));

/** createmode3 (RFC 1813 §3.3.8). */
export const CreateMode = { UNCHECKED: 0, GUARDED: 1, EXCLUSIVE: 2 } as const;
export type CreateMode = (typeof CreateMode)[keyof typeof CreateMode];
export const CREATE_MODES: ReadonlySet<number> = new Set(Object.values(CreateMode));

/** time_how (RFC 1813 §2.6, sattr3). */
export const TimeHow = { DONT_CHANGE: 0, SET_TO_SERVER_TIME: 1, SET_TO_CLIENT_TIME: 2 } as const;
export type TimeHow = (typeof TimeHow)[keyof typeof TimeHow];

/** ACCESS3 bits (RFC 1813 §3.3.4). */
export const Access3 = {
  READ: 0x01,
  LOOKUP: 0x02,
  MODIFY: 0x04,
  EXTEND: 0x08,
  DELETE: 0x10,
  EXECUTE: 0x20,
} as const;
export const ACCESS3_ALL = 0x3f;

/** FSINFO properties bits (RFC 1813 §3.3.19). */
export const Fsf3 = { LINK: 0x0001, SYMLINK: 0x0002, HOMOGENEOUS: 0x0008, CANSETTIME: 0x0010 } as const;

/** Sizes from RFC 1813 §2.4 (NFS3_FHSIZE …) and §5.1 (MNTPATHLEN, MNTNAMLEN, FHSIZE3). */
export const NFS3_FHSIZE = 64;
export const NFS3_COOKIEVERFSIZE = 8;
export const NFS3_CREATEVERFSIZE = 8;
export const NFS3_WRITEVERFSIZE = 8;
export const MNTPATHLEN = 1024;
export const MNTNAMLEN = 255;
/** Longest file name this implementation accepts (Linux NAME_MAX; PATHCONF name_max). */
export const NFS_MAXNAMLEN = 255;
/** Longest path name (Linux PATH_MAX), the bound for filename3/nfspath3 strings on decode. */
export const NFS_MAXPATHLEN = 4096;

/** Name of an nfsstat3 value (`NFS3ERR_NOENT`), or the number when unknown. */
export function nfs3StatName(status: number): string {
  for (const [name, v] of Object.entries(Nfs3Stat)) if (v === status) return name;
  return String(status);
}

/** Name of a mountstat3 value (`MNT3ERR_ACCES`), or the number when unknown. */
export function mountStatName(status: number): string {
  for (const [name, v] of Object.entries(MountStat)) if (v === status) return name;
  return String(status);
}
