import 'reflect-metadata';
import { RealScheduler } from '@rdmalab/kernel';
import { afterAll, bench, describe } from 'vitest';
import { RpcClient, RpcServer, TcpTransportClass } from '../src/index.js';

/*
 * NULL RPCs over TCP loopback, client and server in one process (one Node event loop, so each
 * call pays both sides). One call per iteration measures round-trip latency; 64 in flight per
 * iteration measures throughput (calls/s = hz × 64).
 */
const PROG = 0x2000_0404;
const scheduler = new RealScheduler();
const tcp = new TcpTransportClass({ slotTableSize: 128 });
const server = new RpcServer();
server.addProgram({ program: PROG, version: 1, procedures: {} });
const { port } = await server.listen(tcp.createServer({ host: '127.0.0.1', port: 0, scheduler }));
const client = new RpcClient({
  transport: tcp.createClient({ host: '127.0.0.1', port, scheduler }),
  scheduler,
  program: PROG,
  version: 1,
});
await client.ping();

afterAll(async () => {
  await client.shutdown();
  await server.close();
  scheduler.close();
});

describe('NULL RPC over TCP loopback', () => {
  bench('1 call in flight (round trips)', async () => {
    await client.ping();
  });

  bench('64 calls in flight (hz × 64 = calls/s)', async () => {
    const calls: Promise<void>[] = [];
    for (let i = 0; i < 64; i++) calls.push(client.ping());
    await Promise.all(calls);
  });
});
