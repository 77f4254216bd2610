// The server side of bench/nfs-over-rxe.bench.ts, in its own process: an NFSv3 server (memory
// store) over RPC-over-RDMA on an rxe host on IP:20049 (4096 MTU) and, from the same RPC server,
// over TCP on IP:TCP_PORT — the same files either way. Runs the built packages (dist/), so build
// first (turbo's bench task does). Prints READY when both listen; ends on SIGTERM.
import 'reflect-metadata';
import { RealScheduler } from '@rdmalab/kernel';
import { MemoryStore, NfsServer } from '@rdmalab/nfs';
import { RxeHost } from '@rdmalab/rxe';
import { TcpTransportClass, TransportClassRegistry, XPRT_TRANSPORT_RDMA } from '@rdmalab/sunrpc';
import { RdmaServerTransport } from '@rdmalab/xprtrdma';

const [ip, rdmaPort, tcpPort] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const scheduler = new RealScheduler();
// The HCA reaches only host memory: READ replies and RDMA Read landing pages come from it.
const host = new RxeHost({ ip, mtu: 4096, memoryPages: 32768, scheduler });
await host.ready;
const tcp = new TcpTransportClass();
const registry = new TransportClassRegistry();
registry.register({
  name: 'rdma',
  ident: XPRT_TRANSPORT_RDMA,
  netid: 'rdma',
  createClient: () => {
    throw new Error('server only');
  },
  createServer: (args) =>
    new RdmaServerTransport({ cm: host.cm, host: args.host, port: args.port, scheduler }),
});
const server = new NfsServer({
  exports: [{ path: '/', store: new MemoryStore() }],
  transport: 'rdma',
  registry,
  host: ip,
  port: rdmaPort,
  scheduler,
  replyMemory: host.memory,
});
await server.listen();
await server.rpc.listen(tcp.createServer({ host: ip, port: tcpPort, scheduler }));
process.stdout.write('READY\n');
process.once('SIGTERM', async () => {
  await server.close();
  await host.close();
  scheduler.close();
  process.exit(0);
});
