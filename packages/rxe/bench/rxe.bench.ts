import { type ChildProcess, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { RxeHost } from '../src/host/rxe-host.js';
import { patternBytes } from '../src/peer/page-buffer.js';
import { PeerClient } from '../src/peer/peer-client.js';
import { type PeerProcess, spawnPeer } from '../test/peer-process.js';

/*
 * Two processes on loopback: this one is the client on 127.0.0.1, the server runs in a child on
 * 127.0.0.2 — rxe (serve-cli, 4096 MTU) and, for comparison, a plain TCP socket pair (tcp-peer.mjs).
 */
const CLIENT_IP = '127.0.0.1';
const SERVER_IP = '127.0.0.2';
const RDMA_PORT = 20049;
const TCP_PORT = 20050;
const MIB = 1 << 20;
const BULK = 64 * MIB;
const WINDOW = 8 * MIB;

let peer: PeerProcess;
let tcpPeer: ChildProcess;
let host: RxeHost;
let client: PeerClient;
let tcp: Socket;
const ping = new Uint8Array(63).fill(0x11);
const tcpPing = Buffer.concat([Buffer.of(0x50), Buffer.alloc(63, 0x11)]);
const bulkChunk = Buffer.from(patternBytes(5, 0, WINDOW));
const samples = { rxe: [] as number[], tcp: [] as number[] };
const bulkMs = { rxe: [] as number[], tcp: [] as number[] };

function tcpExchange(write: () => void, replyBytes: number): Promise<void> {
  return new Promise((resolve) => {
    let got = 0;
    const onData = (chunk: Buffer) => {
      got += chunk.length;
      if (got >= replyBytes) {
        tcp.off('data', onData);
        resolve();
      }
    };
    tcp.on('data', onData);
    write();
  });
}

async function timed(into: number[], run: () => Promise<unknown>): Promise<void> {
  const start = process.hrtime.bigint();
  await run();
  into.push(Number(process.hrtime.bigint() - start) / 1e6);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

beforeAll(async () => {
  peer = await spawnPeer({ ip: SERVER_IP, port: RDMA_PORT, mtu: 4096, bufferMib: 8 });
  host = new RxeHost({ ip: CLIENT_IP, mtu: 4096, memoryPages: 4096 });
  await host.ready;
  client = await PeerClient.connect(host, {
    server: { ip: SERVER_IP, port: RDMA_PORT },
    bufferBytes: WINDOW,
    chunkBytes: 1 * MIB,
    maxOutstanding: 4,
  });
  client.data.write(0, bulkChunk);
  const here = dirname(fileURLToPath(import.meta.url));
  tcpPeer = spawn(process.execPath, [join(here, 'tcp-peer.mjs'), String(TCP_PORT)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => tcpPeer.stdout!.once('data', () => resolve()));
  tcp = connect({ host: SERVER_IP, port: TCP_PORT, localAddress: CLIENT_IP, noDelay: true });
  await new Promise<void>((resolve) => tcp.once('connect', () => resolve()));
});

afterAll(async () => {
  const mbps = (ms: number[]) => BULK / MIB / (percentile(ms, 50) / 1000);
  const line = (name: 'rxe' | 'tcp') =>
    `${name}: SEND round trip p50 ${(percentile(samples[name], 50) * 1000).toFixed(0)} µs, p99 ${(percentile(samples[name], 99) * 1000).toFixed(0)} µs; 64 MiB bulk ${mbps(bulkMs[name]).toFixed(0)} MiB/s`;
  console.log(
    `\n${line('rxe')}\n${line('tcp')}\nrxe/TCP bulk throughput ratio ${(mbps(bulkMs.rxe) / mbps(bulkMs.tcp)).toFixed(2)}; ` +
      `retransmitted packets ${host.device.counters.get('roce.retransmitted_packets')}`,
  );
  client?.close();
  tcp?.destroy();
  tcpPeer?.kill('SIGTERM');
  await peer?.stop();
  await host?.close();
});

describe('SEND round trip, 64 bytes, two processes on loopback', () => {
  bench('rxe SEND → SEND echo', () => timed(samples.rxe, () => client.echo(ping)), {
    time: 2000,
    warmupIterations: 50,
  });
  bench('TCP write → echo', () => timed(samples.tcp, () => tcpExchange(() => tcp.write(tcpPing), 64)), {
    time: 2000,
    warmupIterations: 50,
  });
});

describe('bulk 64 MiB, two processes on loopback', () => {
  bench(
    'rxe RDMA WRITE (4096 MTU)',
    () =>
      timed(bulkMs.rxe, async () => {
        for (let done = 0; done < BULK; done += WINDOW) await client.write(0, 0, WINDOW);
        await client.echo(ping); // the last WRITE is acknowledged; a round trip closes the measurement like TCP's
      }),
    { iterations: 4, time: 0, warmupIterations: 1 },
  );
  bench(
    'TCP socket stream',
    () =>
      timed(bulkMs.tcp, () =>
        tcpExchange(() => {
          const header = Buffer.alloc(5);
          header[0] = 0x42;
          header.writeUInt32BE(BULK, 1);
          tcp.write(header);
          for (let done = 0; done < BULK; done += WINDOW) tcp.write(bulkChunk);
        }, 1),
      ),
    { iterations: 4, time: 0, warmupIterations: 1 },
  );
});
