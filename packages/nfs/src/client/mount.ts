// @rdmalab/sunrpc loads tsyringe at import time, which needs the metadata polyfill first.
import 'reflect-metadata';
import { PAGE_SIZE, PhysicalMemory, RealScheduler, type Scheduler } from '@rdmalab/kernel';
import {
  AuthSys,
  type RpcAuth,
  RpcbindClient,
  RpcClient,
  type RpcTimeoutOptions,
  TcpTransportClass,
  TransportClassRegistry,
  type TransportRegistry,
} from '@rdmalab/sunrpc';
import { MOUNTPROC3_MNT } from '../codec/mount3.js';
import { FSINFO3 } from '../codec/nfs3.js';
import {
  MOUNT_PROGRAM,
  MOUNT_V3,
  Mount3Proc,
  MountStat,
  mountStatName,
  NFS_PROGRAM,
  NFS_V3,
  Nfs3Proc,
  StableHow,
} from '../constants.js';
import { NfsError } from '../errors.js';
import { NfsStatusFailure } from './cached-file.js';
import { NfsMount } from './nfs-mount.js';
import { Nfs3Rpc } from './nfs3-rpc.js';
import { PageCache } from './page-cache.js';

export interface NfsMountOptions {
  readonly host: string;
  /** The export path to MNT ("/export"). */
  readonly path: string;
  /** Transport class for NFS: "tcp" (default), "rdma"… */
  readonly transport?: string;
  /** Transport class for MOUNT and rpcbind (they run over TCP even when NFS uses RDMA). Default "tcp". */
  readonly mountTransport?: string;
  /** Where transport classes come from. Default: a registry holding "tcp". */
  readonly registry?: TransportRegistry;
  /** NFS port; by default asked of rpcbind (GETPORT 100003 v3). */
  readonly port?: number;
  /** MOUNT port; by default asked of rpcbind (GETPORT 100005 v3). */
  readonly mountPort?: number;
  /** rpcbind's port. Default 111. */
  readonly rpcbindPort?: number;
  readonly scheduler?: Scheduler;
  /** Default AUTH_SYS with this process's uid and gid. */
  readonly auth?: RpcAuth;
  /** Largest READ, bytes; capped by the server's rtmax. Default: the server's rtpref, at most 1 MiB. */
  readonly rsize?: number;
  /** Largest WRITE, bytes; capped by the server's wtmax. Default: the server's wtpref, at most 1 MiB. */
  readonly wsize?: number;
  /** READs or WRITEs in flight per file. Default 8. */
  readonly maxInflight?: number;
  /** Page cache limit, bytes. Default 32 MiB. */
  readonly cacheBytes?: number;
  /** Memory the page cache takes pages from (e.g. the host's PHYSICAL_MEMORY). Default: its own, sized to the limit. */
  readonly memory?: PhysicalMemory;
  /** How WRITEs are sent. Default UNSTABLE (then COMMIT). */
  readonly stable?: StableHow;
  /** READDIR count, bytes. Default 8192. */
  readonly dirBytes?: number;
  readonly timeout?: Partial<RpcTimeoutOptions>;
}

const MAX_IO = 1 << 20;

const NFS_PROC_NAMES = Object.fromEntries(Object.entries(Nfs3Proc).map(([name, n]) => [n, name]));
const MOUNT_PROC_NAMES = Object.fromEntries(Object.entries(Mount3Proc).map(([name, n]) => [n, name]));

/**
 * Mount an NFSv3 export: find MOUNT (and NFS) through rpcbind unless ports are given, MNT the
 * path, FSINFO the root to pick rsize/wsize, and hand back an {@link NfsMount}.
 */
export async function mountNfs(options: NfsMountOptions): Promise<NfsMount> {
  const registry = options.registry ?? defaultRegistry();
  const scheduler = options.scheduler ?? new RealScheduler();
  const auth =
    options.auth ??
    new AuthSys({ uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, machineName: 'rdmalab' });
  const mountTransport = options.mountTransport ?? 'tcp';
  let { port, mountPort } = options;
  if (port === undefined || mountPort === undefined) {
    const rpcbind = new RpcbindClient(registry, {
      host: options.host,
      port: options.rpcbindPort,
      scheduler,
      transport: mountTransport,
    });
    try {
      mountPort ??= await rpcbind.getPort(MOUNT_PROGRAM, MOUNT_V3);
      port ??= await rpcbind.getPort(NFS_PROGRAM, NFS_V3);
    } catch (e) {
      throw toMountError(e, options.host);
    } finally {
      await rpcbind.close();
    }
    if (mountPort === 0 || port === 0) {
      throw new NfsError(
        'ECONNREFUSED',
        111,
        'mount',
        options.path,
        `rpcbind on ${options.host} knows no NFSv3/MOUNTv3 over TCP`,
      );
    }
  }
  const mountRpc = new RpcClient({
    transport: registry.get(mountTransport).createClient({ host: options.host, port: mountPort, scheduler }),
    scheduler,
    program: MOUNT_PROGRAM,
    version: MOUNT_V3,
    programName: 'mount',
    procedureNames: MOUNT_PROC_NAMES,
    auth,
    timeout: options.timeout,
  });
  const nfsRpc = new RpcClient({
    transport: registry.get(options.transport ?? 'tcp').createClient({ host: options.host, port, scheduler }),
    scheduler,
    program: NFS_PROGRAM,
    version: NFS_V3,
    programName: 'nfs',
    procedureNames: NFS_PROC_NAMES,
    auth,
    timeout: options.timeout,
  });
  try {
    const mnt = await mountRpc.call({
      proc: MOUNTPROC3_MNT.proc,
      procName: 'MNT',
      encodeArgs: (enc) => MOUNTPROC3_MNT.encodeArgs(enc, options.path),
      decodeResult: (dec) => MOUNTPROC3_MNT.decodeRes(dec),
    });
    if (mnt.status !== 0) {
      const code =
        mnt.status === MountStat.MNT3ERR_NOENT
          ? 'ENOENT'
          : mnt.status === MountStat.MNT3ERR_ACCES
            ? 'EACCES'
            : 'EIO';
      throw new NfsError(
        code,
        code === 'ENOENT' ? 2 : code === 'EACCES' ? 13 : 5,
        'mount',
        options.path,
        `mountd answered ${mountStatName(mnt.status)}`,
      );
    }
    const nfs = new Nfs3Rpc(nfsRpc);
    const info = await nfs.call(FSINFO3, { fsroot: mnt.handle });
    if (info.status !== 0) throw NfsError.fromStatus(info.status, 'mount', options.path);
    const rsize = ioSize(options.rsize ?? Math.min(info.ok.rtpref || MAX_IO, MAX_IO), info.ok.rtmax);
    const wsize = ioSize(options.wsize ?? Math.min(info.ok.wtpref || MAX_IO, MAX_IO), info.ok.wtmax);
    const cachePages = Math.max(4, Math.floor((options.cacheBytes ?? 32 << 20) / PAGE_SIZE));
    const memory = options.memory ?? new PhysicalMemory({ totalPages: cachePages, name: 'nfs-pagecache' });
    return new NfsMount({
      nfs,
      mountRpc,
      exportPath: options.path,
      rootFh: mnt.handle,
      cache: new PageCache(memory, cachePages),
      dirBytes: options.dirBytes ?? 8192,
      io: {
        rpc: nfs,
        rsize,
        wsize,
        maxInflight: options.maxInflight ?? 8,
        stable: options.stable ?? StableHow.UNSTABLE,
        counters: {
          readRpcs: 0,
          writeRpcs: 0,
          commitRpcs: 0,
          rewrittenPages: 0,
          bytesRead: 0,
          bytesWritten: 0,
        },
      },
    });
  } catch (e) {
    await Promise.allSettled([mountRpc.shutdown(), nfsRpc.shutdown()]);
    throw e instanceof NfsError ? e : toMountError(e, options.path);
  }
}

/** A size in whole pages, at most the server's maximum (0 means no stated maximum). */
function ioSize(wanted: number, serverMax: number): number {
  const capped = serverMax > 0 ? Math.min(wanted, serverMax) : wanted;
  return Math.max(PAGE_SIZE, Math.floor(capped / PAGE_SIZE) * PAGE_SIZE);
}

function toMountError(e: unknown, path: string): NfsError {
  if (e instanceof NfsStatusFailure) return NfsError.fromStatus(e.status, 'mount', path);
  const code = (e as { code?: unknown } | null)?.code;
  const c = typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : 'EIO';
  return new NfsError(c, 5, 'mount', path, e instanceof Error ? e.message : String(e), undefined, {
    cause: e,
  });
}

function defaultRegistry(): TransportRegistry {
  const registry = new TransportClassRegistry();
  registry.register(new TcpTransportClass());
  return registry;
}
