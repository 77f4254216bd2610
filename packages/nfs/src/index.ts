// Protocol numbers (RFC 1813)

// Client
export type { FileIoCounters } from './client/cached-file.js';
export { NfsFileHandle } from './client/file-handle.js';
export { mountNfs, type NfsMountOptions } from './client/mount.js';
export { NfsMount, type OpenFlags } from './client/nfs-mount.js';
export { Nfs3Rpc } from './client/nfs3-rpc.js';
export { type CachedPage, PageCache, type PageCacheStats, type PageState } from './client/page-cache.js';
export { NfsDirent, NfsStats } from './client/stats.js';
// Codecs
export * from './codec/mount3.js';
export * from './codec/nfs3.js';
export type * from './codec/types.js';
export {
  ACCESS3_ALL,
  Access3,
  CreateMode,
  Fsf3,
  Ftype3,
  MNTNAMLEN,
  MNTPATHLEN,
  MOUNT_PROGRAM,
  MOUNT_V3,
  Mount3Proc,
  MountStat,
  mountStatName,
  NFS_MAXNAMLEN,
  NFS_PORT,
  NFS_PROGRAM,
  NFS_V3,
  NFS3_COOKIEVERFSIZE,
  NFS3_CREATEVERFSIZE,
  NFS3_FHSIZE,
  NFS3_WRITEVERFSIZE,
  type Nfs3ErrStat,
  Nfs3Proc,
  Nfs3Stat,
  type Nfs3StatName,
  nfs3StatName,
  StableHow,
  TimeHow,
} from './constants.js';
export { errnoOfNfsStatus, NfsError, NfsStatusError } from './errors.js';
// DI
export { type NfsOptions, registerNfs } from './register.js';
// Server
export { FILE_HANDLE_SIZE, FileHandleCodec, type HandleTarget } from './server/file-handles.js';
export { type MountEntry, mount3Program } from './server/mount-program.js';
export { NOBODY_ID, nfs3Program } from './server/nfs-program.js';
export { NfsServer, type NfsServerAddress, type NfsServerOptions } from './server/nfs-server.js';
export {
  type Caller,
  DEFAULT_NFS3_LIMITS,
  type Nfs3Limits,
  Nfs3Service,
  type NfsExport,
  type ReadResult,
} from './server/nfs3-service.js';
// Stores
export {
  NFS_STORE,
  type NfsStore,
  type StoreAttrs,
  type StoreCreateHow,
  type StoreDirEntry,
  type StoreDirListing,
  type StoreFsStat,
} from './store/contract.js';
export { DirectoryStore, type DirectoryStoreOptions } from './store/directory-store.js';
export { MemoryStore, type MemoryStoreOptions } from './store/memory-store.js';
