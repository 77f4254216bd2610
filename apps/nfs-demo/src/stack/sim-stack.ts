// tsyringe reads decorator metadata at import time: the polyfill must load first.
import 'reflect-metadata';
import {
  createSimHostContainer,
  type FaultPlan,
  type IommuModel,
  registerHcaSim,
  SIM_FABRIC,
  SIM_HOST,
  type SimFabric,
  type SimHost,
  type SqRetirement,
} from '@rdmalab/hca-sim';
import { registerKernel, TRACER, type Tracer, type VirtualScheduler } from '@rdmalab/kernel';
import { MemoryStore, NfsServer } from '@rdmalab/nfs';
import { registerSunrpc, TRANSPORT_REGISTRY, type TransportClass } from '@rdmalab/sunrpc';
import type { DeviceAttributes } from '@rdmalab/verbs';
import {
  type PolicySpec,
  RDMA_TRANSPORT_CLASS,
  type RdmaClientTransport,
  type RdmaServerTransport,
  registerXprtrdma,
} from '@rdmalab/xprtrdma';
import { type DependencyContainer, container as rootContainer } from 'tsyringe';

/** Addresses of the two simulated hosts and the NFS/RDMA port (RFC 5666 §12: 20049). */
export const CLIENT_IP = '10.0.0.1';
export const SERVER_IP = '10.0.0.2';
export const NFS_RDMA_PORT = 20049;
/** The export the server offers. */
export const EXPORT_PATH = '/export';

export interface SimStackOptions {
  /** Seeds the fabric (CM ids, PSNs, probabilistic faults). */
  readonly seed: number;
  /** The client's Send-path policies. */
  readonly spec: PolicySpec;
  /** The client host's IOMMU (the server's is always strict). */
  readonly iommu: IommuModel;
  readonly faults?: FaultPlan;
  /** Client device attributes (e.g. a small max_fast_reg_page_list_len). */
  readonly clientAttrs?: Partial<DeviceAttributes>;
  readonly sqRetirement?: SqRetirement;
  /** Client request limit (default 32) and server credits (default 32). */
  readonly maxRequests?: number;
  readonly serverCredits?: number;
  /** Virtual ns the RPC layer takes before sleeping on write space (the flag-bit race window). */
  readonly flagBitSleepAfterNs?: number;
  /** Pages of memory per host (default 4096 = 16 MiB). */
  readonly memoryPages?: number;
  /** Keep frames for a pcap (default true); off in sweeps that never write one. */
  readonly pcap?: boolean;
  /** Extra per-packet HCA time on the server, ns (a slow responder). */
  readonly serverProcessing?: { readonly rxNs?: number; readonly txNs?: number };
}

/**
 * One simulation: a fabric, a client and a server host, each in its own child container with
 * its verbs host, memory, transport switch and xprtrdma policies; an NFS server (in-memory
 * store) listening on RPC-over-RDMA. Every RDMA transport the stack creates is recorded so runs
 * can read its counters and check invariants.
 */
export interface SimStack {
  readonly container: DependencyContainer;
  readonly fabric: SimFabric;
  readonly scheduler: VirtualScheduler;
  readonly tracer: Tracer;
  readonly clientHost: SimHost;
  readonly serverHost: SimHost;
  readonly client: DependencyContainer;
  readonly server: DependencyContainer;
  readonly nfsServer: NfsServer;
  readonly store: MemoryStore;
  /** Client transports in creation order. */
  readonly clientTransports: RdmaClientTransport[];
  readonly serverTransports: RdmaServerTransport[];
  /** Called with each client transport as it is created, before anything attaches to it. */
  readonly onClientTransport: ((t: RdmaClientTransport) => void)[];
  readonly spec: PolicySpec;
}

/** Wrap the host's "rdma" class so the stack sees every transport it creates. */
function recordingClass(
  inner: TransportClass,
  clients: RdmaClientTransport[],
  servers: RdmaServerTransport[],
  listeners: readonly ((t: RdmaClientTransport) => void)[],
): TransportClass {
  return {
    name: inner.name,
    ident: inner.ident,
    netid: inner.netid,
    createClient: (args) => {
      const t = inner.createClient(args) as RdmaClientTransport;
      clients.push(t);
      for (const listener of listeners) listener(t);
      return t;
    },
    createServer: (args) => {
      const t = inner.createServer(args);
      servers.push(t as RdmaServerTransport);
      return t;
    },
  };
}

function hostContainer(
  root: DependencyContainer,
  name: string,
  ip: string,
  options: SimStackOptions,
  extra: { iommu: IommuModel; attrs?: Partial<DeviceAttributes> },
): DependencyContainer {
  const child = createSimHostContainer(root, name, {
    ip,
    iommu: extra.iommu,
    memoryPages: options.memoryPages ?? 4096,
    ...(extra.attrs ? { attrs: extra.attrs } : {}),
    ...(options.sqRetirement ? { sqRetirement: options.sqRetirement } : {}),
    ...(name === 'server' && options.serverProcessing ? { processingDelay: options.serverProcessing } : {}),
  });
  // Each host has its own transport switch, so the client's "rdma" class uses the client's CM.
  registerXprtrdma(child, {
    policies: options.spec,
    maxRequests: options.maxRequests ?? 32,
    serverCredits: options.serverCredits ?? 32,
    ...(options.flagBitSleepAfterNs !== undefined
      ? { flagBitSleepAfterNs: options.flagBitSleepAfterNs }
      : {}),
  });
  registerSunrpc(child);
  return child;
}

/** Compose the stack and start the NFS server listening (in virtual time: returns at once). */
export async function composeSimStack(options: SimStackOptions): Promise<SimStack> {
  const container = rootContainer.createChildContainer();
  registerKernel(container, { clock: 'virtual', seed: options.seed });
  registerHcaSim(container, {
    ...(options.faults ? { faults: options.faults } : {}),
    tap: { pcap: options.pcap ?? true, records: true, forensics: true },
  });
  const fabric = container.resolve(SIM_FABRIC);
  const client = hostContainer(container, 'client', CLIENT_IP, options, {
    iommu: options.iommu,
    ...(options.clientAttrs ? { attrs: options.clientAttrs } : {}),
  });
  const server = hostContainer(container, 'server', SERVER_IP, options, { iommu: 'strict' });
  const clientTransports: RdmaClientTransport[] = [];
  const serverTransports: RdmaServerTransport[] = [];
  const onClientTransport: ((t: RdmaClientTransport) => void)[] = [];
  for (const c of [client, server]) {
    c.resolve(TRANSPORT_REGISTRY).register(
      recordingClass(c.resolve(RDMA_TRANSPORT_CLASS), clientTransports, serverTransports, onClientTransport),
    );
  }
  const serverHost = server.resolve(SIM_HOST);
  const store = new MemoryStore();
  const nfsServer = new NfsServer({
    exports: [{ path: EXPORT_PATH, store }],
    transport: 'rdma',
    registry: server.resolve(TRANSPORT_REGISTRY),
    host: SERVER_IP,
    port: NFS_RDMA_PORT,
    scheduler: fabric.scheduler,
    // READ replies are RDMA-Written from these pages: they must be the server host's memory.
    replyMemory: serverHost.memory,
    // A fixed MAC key: the same seed gives the same file handles, so pcaps repeat byte for byte.
    handleSecret: new Uint8Array(32).fill(0x5e),
  });
  await nfsServer.listen();
  return {
    container,
    fabric,
    scheduler: fabric.scheduler,
    tracer: container.resolve(TRACER),
    clientHost: client.resolve(SIM_HOST),
    serverHost,
    client,
    server,
    nfsServer,
    store,
    clientTransports,
    serverTransports,
    onClientTransport,
    spec: options.spec,
  };
}

/** The client "rdma" transport class of a stack, for callers that build their own RpcClient. */
export function clientTransportClass(stack: SimStack): TransportClass {
  return stack.client.resolve(TRANSPORT_REGISTRY).get('rdma');
}
