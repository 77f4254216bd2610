// @rdmalab/sunrpc loads tsyringe at import time, which needs the metadata polyfill first.
import 'reflect-metadata';
import { PhysicalMemory, RealScheduler, type Scheduler } from '@rdmalab/kernel';
import {
  RpcServer,
  type RpcServerOptions,
  TcpTransportClass,
  TransportClassRegistry,
  type TransportRegistry,
} from '@rdmalab/sunrpc';
import { MemoryStore } from '../store/memory-store.js';
import { FileHandleCodec } from './file-handles.js';
import { type MountEntry, mount3Program } from './mount-program.js';
import { nfs3Program } from './nfs-program.js';
import { DEFAULT_NFS3_LIMITS, type Nfs3Limits, Nfs3Service, type NfsExport } from './nfs3-service.js';

export interface NfsServerOptions {
  /** What to export. Default: one MemoryStore at "/export". */
  readonly exports?: readonly NfsExport[];
  /** Transport class name in `registry`: "tcp" (default), "rdma"… */
  readonly transport?: string;
  /** Where transport classes come from. Default: a registry holding "tcp". */
  readonly registry?: TransportRegistry;
  /** Address to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** NFS port; 0 (default) picks a free one. MOUNT is served there too. */
  readonly port?: number;
  /** Also serve (MOUNT and NFS) on this port, as mountd does on its own port. */
  readonly mountPort?: number;
  readonly scheduler?: Scheduler;
  /** Key of the file handle MAC; keep it to keep handles valid across restarts. Default random. */
  readonly handleSecret?: Uint8Array;
  readonly limits?: Partial<Nfs3Limits>;
  /** Pages READ replies are built in. Default 4096 pages (16 MiB). */
  readonly replyMemory?: PhysicalMemory;
  /** Told about failures that mapped to no NFS status (answered NFS3ERR_SERVERFAULT). */
  readonly onFault?: (error: unknown) => void;
  /**
   * Duplicate request cache for the non-idempotent procedures (CREATE, REMOVE, WRITE…): its
   * bounds, or false to turn it off. On by default, as in nfsd.
   */
  readonly replyCache?: RpcServerOptions['replyCache'];
}

export interface NfsServerAddress {
  readonly host: string;
  readonly port: number;
  readonly mountPort: number;
}

/**
 * An NFSv3 server with its MOUNT service on an RpcServer, over any transport class. The write
 * verifier is new for each NfsServer, so a client that wrote UNSTABLE data to an earlier instance
 * sees the change on COMMIT and writes again.
 */
export class NfsServer {
  readonly service: Nfs3Service;
  readonly rpc: RpcServer;
  /** Active mounts (MNT minus UMNT). */
  readonly mounts: MountEntry[] = [];
  readonly exports: readonly NfsExport[];
  private readonly options: NfsServerOptions;
  private readonly scheduler: Scheduler;
  private readonly registry: TransportRegistry;

  constructor(options: NfsServerOptions = {}) {
    this.options = options;
    this.exports = options.exports ?? [{ path: '/export', store: new MemoryStore() }];
    this.scheduler = options.scheduler ?? new RealScheduler();
    this.registry = options.registry ?? defaultRegistry();
    const limits = { ...DEFAULT_NFS3_LIMITS, ...options.limits };
    this.service = new Nfs3Service(
      this.exports,
      new FileHandleCodec(options.handleSecret),
      limits,
      options.onFault,
    );
    const replyMemory = options.replyMemory ?? new PhysicalMemory({ totalPages: 4096, name: 'nfsd' });
    this.rpc = new RpcServer({
      onHandlerError: (e) => options.onFault?.(e),
      replyCache: options.replyCache,
    });
    this.rpc.addProgram(nfs3Program(this.service, replyMemory));
    this.rpc.addProgram(mount3Program(this.service, this.mounts));
  }

  /** Start listening; resolves with the NFS and MOUNT ports. */
  async listen(): Promise<NfsServerAddress> {
    const cls = this.registry.get(this.options.transport ?? 'tcp');
    const host = this.options.host ?? '127.0.0.1';
    const main = await this.rpc.listen(
      cls.createServer({ host, port: this.options.port ?? 0, scheduler: this.scheduler }),
    );
    let mountPort = main.port;
    if (this.options.mountPort !== undefined && this.options.mountPort !== main.port) {
      const m = await this.rpc.listen(
        cls.createServer({ host, port: this.options.mountPort, scheduler: this.scheduler }),
      );
      mountPort = m.port;
    }
    return { host: main.host, port: main.port, mountPort };
  }

  /** Stop listening (connections close) and release the stores' resources. */
  async close(): Promise<void> {
    await this.rpc.close();
    for (const e of this.exports) await e.store.close();
  }
}

function defaultRegistry(): TransportRegistry {
  const registry = new TransportClassRegistry();
  registry.register(new TcpTransportClass());
  return registry;
}
