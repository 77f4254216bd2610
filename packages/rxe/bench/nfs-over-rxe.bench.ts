import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RealScheduler } from '@rdmalab/kernel';
import { mountNfs, NFS_PROGRAM, NFS_V3, type NfsMount } from '@rdmalab/nfs';
import {
  RpcClient,
  TcpTransportClass,
  type TransportClass,
  TransportClassRegistry,
  XPRT_TRANSPORT_RDMA,
} from '@rdmalab/sunrpc';
import { buildPolicies, PRESETS, RdmaClientTransport } from '@rdmalab/xprtrdma';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { RxeHost } from '../src/host/rxe-host.js';
import { patternBytes } from '../src/peer/page-buffer.js';

/*
 * NFSv3 between two processes on loopback: this one is the client on 127.0.12.1, the server
 * (bench/nfs-server.mjs, the built packages) runs in a child on 127.0.12.2 and serves the same
 * memory store over RPC-over-RDMA on rxe (4096 MTU, rdma_cm port 20049) and over TCP. Side by
 * side: NULL RPC round trips, and a 64 MiB file written and read through a 16 MiB page cache.
 */
const CLIENT_IP = '127.0.12.1';
const SERVER_IP = '127.0.12.2';
const RDMA_PORT = 20049;
const TCP_PORT = 20052;
const MIB = 1 << 20;
const FILE_BYTES = 64 * MIB;
/** A quarter of the file, so reads go to the server (as the nfs package's own bench). */
const CACHE_BYTES = 16 * MIB;

type Side = 'rxe' | 'tcp';
let server: ChildProcess;
let host: RxeHost;
const scheduler = new RealScheduler();
const mounts = {} as Record<Side, NfsMount>;
const nulls = {} as Record<Side, RpcClient>;
const data = patternBytes(11, 0, FILE_BYTES);
const samples = { rxe: [] as number[], tcp: [] as number[] };
const writeMs = { rxe: [] as number[], tcp: [] as number[] };
const readMs = { rxe: [] as number[], tcp: [] as number[] };

async function timed(into: number[], run: () => Promise<unknown>): Promise<void> {
  const start = process.hrtime.bigint();
  await run();
  into.push(Number(process.hrtime.bigint() - start) / 1e6);
}

/** Read the file back; a short read would make the figure meaningless. */
async function readWhole(mount: NfsMount, path: string): Promise<void> {
  const got = await mount.readFile(path);
  if (got.length !== FILE_BYTES || got[FILE_BYTES - 1] !== data[FILE_BYTES - 1])
    throw new Error(`${path}: read ${got.length} bytes, not the ${FILE_BYTES} written`);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

beforeAll(async () => {
  const here = dirname(fileURLToPath(import.meta.url));
  server = spawn(
    process.execPath,
    [join(here, 'nfs-server.mjs'), SERVER_IP, String(RDMA_PORT), String(TCP_PORT)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.stdout!.once('data', () => resolve());
    server.once('exit', (code) =>
      reject(new Error(`nfs-server.mjs exited with ${code} (run pnpm build first)`)),
    );
  });
  host = new RxeHost({ ip: CLIENT_IP, mtu: 4096, memoryPages: CACHE_BYTES / 4096 + 8192, scheduler });
  await host.ready;
  const rdma: TransportClass = {
    name: 'rdma',
    ident: XPRT_TRANSPORT_RDMA,
    netid: 'rdma',
    createClient: (args) =>
      new RdmaClientTransport({
        cm: host.cm,
        host: args.host,
        port: args.port,
        scheduler,
        policies: buildPolicies(PRESETS['linux-7.2'], scheduler),
      }),
    createServer: () => {
      throw new Error('client only');
    },
  };
  const registry = new TransportClassRegistry();
  registry.register(new TcpTransportClass());
  registry.register(rdma);
  const common = {
    host: SERVER_IP,
    path: '/',
    registry,
    scheduler,
    cacheBytes: CACHE_BYTES,
    mountPort: TCP_PORT,
  };
  // MOUNT over TCP in both cases, as Linux mounts NFS/RDMA; the page cache in the rxe host's memory.
  mounts.rxe = await mountNfs({ ...common, transport: 'rdma', port: RDMA_PORT, memory: host.memory });
  mounts.tcp = await mountNfs({ ...common, transport: 'tcp', port: TCP_PORT });
  for (const side of ['rxe', 'tcp'] as const) {
    nulls[side] = new RpcClient({
      transport: registry
        .get(side === 'rxe' ? 'rdma' : 'tcp')
        .createClient({ host: SERVER_IP, port: side === 'rxe' ? RDMA_PORT : TCP_PORT, scheduler }),
      scheduler,
      program: NFS_PROGRAM,
      version: NFS_V3,
    });
    await nulls[side].ping();
  }
}, 60_000);

afterAll(async () => {
  const mbps = (ms: number[]) => FILE_BYTES / 1e6 / (percentile(ms, 50) / 1000);
  const line = (side: Side) =>
    `${side}: NULL round trip p50 ${(percentile(samples[side], 50) * 1000).toFixed(0)} µs, p99 ${(percentile(samples[side], 99) * 1000).toFixed(0)} µs; ` +
    `64 MiB WRITE ${mbps(writeMs[side]).toFixed(0)} MB/s, READ ${mbps(readMs[side]).toFixed(0)} MB/s`;
  console.log(
    `\n${line('rxe')}\n${line('tcp')}\nrxe/TCP throughput ratio: WRITE ${(mbps(writeMs.rxe) / mbps(writeMs.tcp)).toFixed(2)}, ` +
      `READ ${(mbps(readMs.rxe) / mbps(readMs.tcp)).toFixed(2)}; client retransmitted packets ` +
      `${host.device.counters.get('roce.retransmitted_packets')}`,
  );
  for (const side of ['rxe', 'tcp'] as const) {
    await nulls[side]?.shutdown();
    await mounts[side]?.unmount();
  }
  server?.kill('SIGTERM');
  await host?.close();
  scheduler.close();
}, 60_000);

describe('NFS NULL RPC round trip, two processes on loopback', () => {
  bench('NFS over RPC-over-RDMA on rxe', () => timed(samples.rxe, () => nulls.rxe.ping()), {
    time: 2000,
    warmupIterations: 50,
  });
  bench('NFS over TCP', () => timed(samples.tcp, () => nulls.tcp.ping()), {
    time: 2000,
    warmupIterations: 50,
  });
});

describe('NFS WRITE of a 64 MiB file (1 MiB WRITEs, UNSTABLE + COMMIT), two processes on loopback', () => {
  bench(
    'NFS over RPC-over-RDMA on rxe (read chunks)',
    () => timed(writeMs.rxe, () => mounts.rxe.writeFile('/rxe.bin', data)),
    {
      iterations: 3,
      time: 0,
      warmupIterations: 1,
    },
  );
  bench('NFS over TCP', () => timed(writeMs.tcp, () => mounts.tcp.writeFile('/tcp.bin', data)), {
    iterations: 3,
    time: 0,
    warmupIterations: 1,
  });
});

describe('NFS READ of a 64 MiB file through a 16 MiB page cache, two processes on loopback', () => {
  bench(
    'NFS over RPC-over-RDMA on rxe (write chunks)',
    () => timed(readMs.rxe, () => readWhole(mounts.rxe, '/rxe.bin')),
    {
      iterations: 3,
      time: 0,
      warmupIterations: 1,
    },
  );
  bench('NFS over TCP', () => timed(readMs.tcp, () => readWhole(mounts.tcp, '/tcp.bin')), {
    iterations: 3,
    time: 0,
    warmupIterations: 1,
  });
});
