import 'reflect-metadata';
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import {
  CONNECTION_MANAGER,
  type ConnectionManager,
  type DeviceProvider,
  DeviceProviderRegistry,
  PROVIDER_REGISTRY,
  registerVerbs,
  VERBS_HOST,
  VerbsError,
  type VerbsHost,
} from '../src/index.js';

function fakeHost(name: string): VerbsHost {
  const cm: ConnectionManager = {
    createId: () => {
      throw new VerbsError('EOPNOTSUPP', `${name}: not a real CM`);
    },
  };
  return { name, devices: [], cm };
}

describe('DeviceProviderRegistry', () => {
  const provider: DeviceProvider<{ host: string }> = {
    name: 'fake',
    description: 'test double',
    createHost: ({ host }) => fakeHost(host),
  };

  it('finds a registered provider by name and lists names sorted', () => {
    const r = new DeviceProviderRegistry();
    r.register(provider as DeviceProvider<never>);
    r.register({ ...provider, name: 'another' } as DeviceProvider<never>);
    expect(r.names()).toEqual(['another', 'fake']);
    expect(r.get('fake')).toBe(provider);
  });

  it('refuses a duplicate name with EEXIST and an unknown one with ENODEV listing the known', () => {
    const r = new DeviceProviderRegistry();
    r.register(provider as DeviceProvider<never>);
    expect(() => r.register(provider as DeviceProvider<never>)).toThrow(/EEXIST/);
    expect(() => r.get('rxe')).toThrow(/ENODEV: no device provider named "rxe" \(registered: fake\)/);
  });
});

describe('registerVerbs composition', () => {
  it('gives each host child container its own CM; a child swaps it without touching the parent', () => {
    const stack = rootContainer.createChildContainer();
    registerVerbs(stack);
    const hostA = stack.createChildContainer();
    const hostB = stack.createChildContainer();
    hostA.register(VERBS_HOST, { useValue: fakeHost('a') });
    hostB.register(VERBS_HOST, { useValue: fakeHost('b') });
    expect(hostA.resolve(CONNECTION_MANAGER)).toBe(hostA.resolve(VERBS_HOST).cm);
    expect(hostA.resolve(CONNECTION_MANAGER)).not.toBe(hostB.resolve(CONNECTION_MANAGER));

    const swapped: ConnectionManager = { createId: () => ({}) as never };
    const hostC = hostA.createChildContainer();
    hostC.register(CONNECTION_MANAGER, { useValue: swapped });
    expect(hostC.resolve(CONNECTION_MANAGER)).toBe(swapped);
    expect(hostA.resolve(CONNECTION_MANAGER)).toBe(hostA.resolve(VERBS_HOST).cm);
    // One provider registry per stack, shared by every host.
    expect(hostA.resolve(PROVIDER_REGISTRY)).toBe(hostB.resolve(PROVIDER_REGISTRY));
  });

  it('reports a host without devices with ENODEV naming the host', async () => {
    const stack = rootContainer.createChildContainer();
    registerVerbs(stack);
    stack.register(VERBS_HOST, { useValue: fakeHost('empty-host') });
    const { RDMA_DEVICE } = await import('../src/index.js');
    expect(() => stack.resolve(RDMA_DEVICE)).toThrow(/ENODEV: host "empty-host" has no RDMA device/);
  });
});
