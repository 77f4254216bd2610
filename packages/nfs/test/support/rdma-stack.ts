import 'reflect-metadata';
import {
  createSimHostContainer,
  type FaultPlan,
  registerHcaSim,
  SIM_FABRIC,
  SIM_HOST,
  type SimFabric,
  type SimHost,
} from '@rdmalab/hca-sim';
import { PAGE_SIZE, registerKernel } from '@rdmalab/kernel';
import {
  type ClientTransport,
  registerSunrpc,
  TRANSPORT_REGISTRY,
  type TransportClass,
  TransportClassRegistry,
} from '@rdmalab/sunrpc';
import {
  type PresetName,
  RDMA_TRANSPORT_CLASS,
  RdmaClientTransport,
  registerXprtrdma,
  type XprtRdmaStats,
} from '@rdmalab/xprtrdma';
import { container } from 'tsyringe';
import { mountNfs } from '../../src/client/mount.js';
import type { NfsMount } from '../../src/client/nfs-mount.js';
import { registerNfs } from '../../src/register.js';
import { NfsServer } from '../../src/server/nfs-server.js';
import { NFS_STORE } from '../../src/store/contract.js';
import { drivenMount } from './driven-mount.js';
import { VirtualTimeDriver } from './virtual-time-driver.js';

/** The port NFS over RPC-over-RDMA listens on: "nfsrdma", 20049 (RFC 8267 §1, IANA). */
export const NFS_RDMA_PORT = 20049;
export const SERVER_IP = '10.0.0.2';
export const CLIENT_IP = '10.0.0.1';

export interface NfsRdmaStackOptions {
  /** Seed of the stack's random streams (fault probabilities, CM). Default 1. */
  readonly seed?: number;
  readonly faults?: FaultPlan;
  /** xprtrdma Send-path policies. Default linux-7.2 (every known bug fixed). */
  readonly policies?: PresetName;
  /** Client host memory, pages: holds the page cache and the transport's buffers. Default 8192. */
  readonly clientPages?: number;
  /** Server host memory, pages: READ replies are built in it. Default 8192. */
  readonly serverPages?: number;
}

export interface NfsRdmaStack {
  readonly fabric: SimFabric;
  readonly clientHost: SimHost;
  readonly serverHost: SimHost;
  readonly server: NfsServer;
  readonly driver: VirtualTimeDriver;
  /** Mount the server's /export over "rdma" (MOUNT too), driven through virtual time. */
  mount(options: {
    cacheBytes: number;
    rsize?: number;
    wsize?: number;
    dirBytes?: number;
  }): Promise<NfsMount>;
  /** Client-side xprtrdma counters summed over every RDMA connection the mounts made. */
  clientStats(): Pick<
    XprtRdmaStats,
    'read_chunk_count' | 'write_chunk_count' | 'reply_chunk_count' | 'total_rdma_request' | 'total_rdma_reply'
  >;
  close(): Promise<void>;
}

/**
 * The NFS server (memory store) and client composed over xprtrdma on two hosts of a simulated
 * RoCE fabric, in virtual time, the way a composition root would: kernel (virtual clock), the
 * fabric, sunrpc's transport registry per host, xprtrdma with a policy preset per host.
 */
export async function buildNfsRdmaStack(options: NfsRdmaStackOptions = {}): Promise<NfsRdmaStack> {
  const root = container.createChildContainer();
  registerKernel(root, { clock: 'virtual', seed: options.seed ?? 1 });
  registerHcaSim(root, { tap: false, ...(options.faults && { faults: options.faults }) });
  registerSunrpc(root);
  const serverC = createSimHostContainer(root, 'server', {
    ip: SERVER_IP,
    memoryPages: options.serverPages ?? 8192,
  });
  const clientC = createSimHostContainer(root, 'client', {
    ip: CLIENT_IP,
    memoryPages: options.clientPages ?? 8192,
  });
  const policies = options.policies ?? 'linux-7.2';
  registerXprtrdma(serverC, { policies });
  registerXprtrdma(clientC, { policies });
  registerNfs(serverC);

  const fabric = root.resolve(SIM_FABRIC);
  const scheduler = fabric.scheduler;
  const driver = new VirtualTimeDriver(scheduler);
  const serverHost = serverC.resolve<SimHost>(SIM_HOST);
  const clientHost = clientC.resolve<SimHost>(SIM_HOST);

  const server = new NfsServer({
    exports: [{ path: '/export', store: serverC.resolve(NFS_STORE) }],
    registry: serverC.resolve(TRANSPORT_REGISTRY),
    transport: 'rdma',
    host: SERVER_IP,
    port: NFS_RDMA_PORT,
    scheduler,
    replyMemory: serverHost.memory,
  });
  await driver.run(server.listen());

  // Every RDMA connection a mount made, to read their chunk counters.
  const made: RdmaClientTransport[] = [];
  const rdma = clientC.resolve<TransportClass>(RDMA_TRANSPORT_CLASS);

  /**
   * A registry that hands out transports connected beforehand (MOUNT's, then NFS's). xprtrdma
   * builds its request pool when it connects, so allocSlot() answers null before that, while
   * sunrpc's RpcClient connects only for a task holding a slot: a first call on an unconnected
   * RDMA transport waits in the backlog for good. The kernel builds the pool at transport setup.
   */
  async function connectedRegistry(): Promise<TransportClassRegistry> {
    const ready: ClientTransport[] = [];
    for (let i = 0; i < 2; i++) {
      const t = rdma.createClient({ host: SERVER_IP, port: NFS_RDMA_PORT, scheduler });
      if (t instanceof RdmaClientTransport) made.push(t);
      ready.push(t);
    }
    await driver.run(Promise.all(ready.map((t) => t.connect())));
    const registry = new TransportClassRegistry();
    registry.register({
      ...rdma,
      createClient: (args): ClientTransport => {
        const t = ready.shift();
        if (t === undefined || args.host !== SERVER_IP || args.port !== NFS_RDMA_PORT) {
          throw new RangeError(`no connected transport for ${args.host}:${args.port}`);
        }
        return t;
      },
    });
    return registry;
  }

  return {
    fabric,
    clientHost,
    serverHost,
    server,
    driver,
    async mount({ cacheBytes, rsize, wsize, dirBytes }) {
      if (cacheBytes / PAGE_SIZE > clientHost.memory.totalPages / 2) {
        throw new RangeError(`cacheBytes ${cacheBytes} leaves too little of the client host's memory`);
      }
      const fs = await driver.run(
        mountNfs({
          host: SERVER_IP,
          path: '/export',
          port: NFS_RDMA_PORT,
          mountPort: NFS_RDMA_PORT,
          transport: 'rdma',
          mountTransport: 'rdma',
          registry: await connectedRegistry(),
          scheduler,
          memory: clientHost.memory,
          cacheBytes,
          ...(rsize !== undefined && { rsize }),
          ...(wsize !== undefined && { wsize }),
          ...(dirBytes !== undefined && { dirBytes }),
        }),
      );
      return drivenMount(fs, driver);
    },
    clientStats() {
      const sum = {
        read_chunk_count: 0,
        write_chunk_count: 0,
        reply_chunk_count: 0,
        total_rdma_request: 0,
        total_rdma_reply: 0,
      };
      for (const t of made) {
        const s = t.xprt.stats;
        sum.read_chunk_count += s.read_chunk_count;
        sum.write_chunk_count += s.write_chunk_count;
        sum.reply_chunk_count += s.reply_chunk_count;
        sum.total_rdma_request += s.total_rdma_request;
        sum.total_rdma_reply += s.total_rdma_reply;
      }
      return sum;
    },
    async close() {
      await driver.run(server.close());
    },
  };
}
