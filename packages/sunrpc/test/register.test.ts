import 'reflect-metadata';
import { RealScheduler } from '@rdmalab/kernel';
import { container as root } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import {
  type ClientTransport,
  createRpcClient,
  RpcServer,
  registerSunrpc,
  type ServerTransport,
  TRANSPORT_REGISTRY,
  type TransportClass,
  TransportError,
  XPRT_TRANSPORT_RDMA,
  XPRT_TRANSPORT_TCP,
} from '../src/index.js';

const fakeRdma: TransportClass = {
  name: 'rdma',
  ident: XPRT_TRANSPORT_RDMA,
  netid: 'rdma',
  createClient: (): ClientTransport => {
    throw new TransportError('EINVAL', 'not in this test');
  },
  createServer: (): ServerTransport => {
    throw new TransportError('EINVAL', 'not in this test');
  },
};

describe('registerSunrpc', () => {
  it('binds a registry holding "tcp"; each child container (host) has its own', () => {
    const stack = root.createChildContainer();
    registerSunrpc(stack, { tcp: { maxRecordSize: 1 << 16 } });
    const hostA = stack.createChildContainer();
    const hostB = stack.createChildContainer();
    const a = hostA.resolve(TRANSPORT_REGISTRY);
    expect(a).toBe(hostA.resolve(TRANSPORT_REGISTRY));
    expect(a.get('tcp').ident).toBe(XPRT_TRANSPORT_TCP);
    a.register(fakeRdma);
    expect(a.getByIdent(XPRT_TRANSPORT_RDMA).name).toBe('rdma');
    expect(hostB.resolve(TRANSPORT_REGISTRY).has('rdma')).toBe(false);
    expect(() => a.register(fakeRdma)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => a.register({ ...fakeRdma, name: 'rdma2' })).toThrow(
      expect.objectContaining({ code: 'EEXIST' }),
    );
    expect(() => hostB.resolve(TRANSPORT_REGISTRY).get('rdma')).toThrow(
      expect.objectContaining({ code: 'ENOENT' }),
    );
    expect(a.unregister('rdma')).toBe(true);
    expect(a.list().map((c) => c.name)).toEqual(['tcp']);
  });

  it('a client picks its transport by name from the registry and talks to a server', async () => {
    const c = root.createChildContainer();
    registerSunrpc(c);
    const registry = c.resolve(TRANSPORT_REGISTRY);
    const scheduler = new RealScheduler();
    const server = new RpcServer();
    server.addProgram({ program: 0x2000_0303, version: 1, procedures: {} });
    const { port } = await server.listen(
      registry.get('tcp').createServer({ host: '127.0.0.1', port: 0, scheduler }),
    );
    const client = createRpcClient(registry, {
      transport: 'tcp',
      host: '127.0.0.1',
      port,
      scheduler,
      program: 0x2000_0303,
      version: 1,
    });
    await client.ping();
    expect(client.transport.transportName).toBe('tcp');
    await client.shutdown();
    await server.close();
    scheduler.close();
  });
});
