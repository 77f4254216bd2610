import 'reflect-metadata';
import { PAGE_SIZE } from '@rdmalab/kernel';
import {
  MOUNT_PROGRAM,
  MOUNT_V3,
  MOUNTPROC3_MNT,
  MountStat,
  mountStatName,
  NFS_PROGRAM,
  NFS_V3,
  Nfs3Proc,
  Nfs3Rpc,
  NfsMount,
  PageCache,
  StableHow,
} from '@rdmalab/nfs';
import { AuthSys, RpcClient, type RpcTimeoutOptions } from '@rdmalab/sunrpc';
import type { RdmaClientTransport } from '@rdmalab/xprtrdma';
import { clientTransportClass, EXPORT_PATH, NFS_RDMA_PORT, SERVER_IP, type SimStack } from './sim-stack.js';
import { runInVirtualTime } from './virtual-time.js';

/** A mounted export over RPC-over-RDMA: the raw NFSv3 client and the fs-like API on top of it. */
export interface NfsSession {
  readonly rpc: RpcClient;
  readonly nfs: Nfs3Rpc;
  readonly fs: NfsMount;
  readonly rootFh: Uint8Array;
  /** The transport NFS runs over (MOUNT used its own connection, closed after MNT). */
  readonly transport: RdmaClientTransport;
}

export interface NfsSessionOptions {
  /** Page cache limit in pages (default 256). Small limits make the cache evict and reuse frames. */
  readonly cachePages?: number;
  readonly rsize?: number;
  readonly wsize?: number;
  readonly stable?: StableHow;
  readonly maxInflight?: number;
  readonly timeout?: Partial<RpcTimeoutOptions>;
}

const NFS_PROC_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(Nfs3Proc).map(([name, n]) => [n, name]),
);

/**
 * RPC timeouts in virtual time: 1 s, 6 retries, hard. Long enough for a partition shorter than
 * the HCA's retry budget (7 × 67 ms); short enough that an RPC the transport lost is resent
 * within a run.
 */
export const SESSION_TIMEOUT: RpcTimeoutOptions = {
  initialNs: 1_000_000_000,
  incrementNs: 1_000_000_000,
  exponential: false,
  maxNs: 4_000_000_000,
  retries: 6,
  soft: false,
};

/**
 * Mount the stack's export from the client host: MNT over one RDMA connection (then closed, as
 * mount.nfs does), NFS over another. The page cache takes its pages from the client host's
 * physical memory, so a freed page is the next one handed out (LIFO) — exactly what the HCA
 * re-reads if a Send is retransmitted after its memory was released.
 */
export async function mountOverRdma(stack: SimStack, options: NfsSessionOptions = {}): Promise<NfsSession> {
  const cls = clientTransportClass(stack);
  const scheduler = stack.scheduler;
  const auth = new AuthSys({ uid: 1000, gid: 1000, machineName: 'client' });
  const timeout = { ...SESSION_TIMEOUT, ...options.timeout };
  const mountTransport = cls.createClient({ host: SERVER_IP, port: NFS_RDMA_PORT, scheduler });
  // The RDMA transport's request pool exists once connected: connect before the first call.
  await runInVirtualTime(stack.fabric, mountTransport.connect(), 'MOUNT connect');
  const mountRpc = new RpcClient({
    transport: mountTransport,
    scheduler,
    program: MOUNT_PROGRAM,
    version: MOUNT_V3,
    programName: 'mount',
    auth,
    timeout,
    firstXid: 0x4d000000,
  });
  const mnt = await runInVirtualTime(
    stack.fabric,
    mountRpc.call({
      proc: MOUNTPROC3_MNT.proc,
      procName: 'MNT',
      encodeArgs: (enc) => MOUNTPROC3_MNT.encodeArgs(enc, EXPORT_PATH),
      decodeResult: (dec) => MOUNTPROC3_MNT.decodeRes(dec),
    }),
    'MNT',
  );
  await runInVirtualTime(stack.fabric, mountRpc.shutdown(), 'MOUNT disconnect');
  if (mnt.status !== MountStat.MNT3_OK)
    throw new Error(`mountd answered ${mountStatName(mnt.status)} for ${EXPORT_PATH}`);
  const transport = cls.createClient({
    host: SERVER_IP,
    port: NFS_RDMA_PORT,
    scheduler,
  }) as RdmaClientTransport;
  await runInVirtualTime(stack.fabric, transport.connect(), 'NFS connect');
  const rpc = new RpcClient({
    transport,
    scheduler,
    program: NFS_PROGRAM,
    version: NFS_V3,
    programName: 'nfs',
    procedureNames: NFS_PROC_NAMES,
    auth,
    timeout,
    firstXid: 0x10000000,
  });
  const nfs = new Nfs3Rpc(rpc);
  const cachePages = options.cachePages ?? 256;
  const fs = new NfsMount({
    nfs,
    mountRpc: undefined,
    exportPath: EXPORT_PATH,
    rootFh: mnt.handle,
    cache: new PageCache(stack.clientHost.memory, cachePages),
    dirBytes: 8192,
    io: {
      rpc: nfs,
      rsize: options.rsize ?? 64 * PAGE_SIZE,
      wsize: options.wsize ?? 64 * PAGE_SIZE,
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
  return { rpc, nfs, fs, rootFh: mnt.handle, transport };
}
