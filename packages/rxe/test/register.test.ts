import 'reflect-metadata';
import { PHYSICAL_MEMORY, registerKernel } from '@rdmalab/kernel';
import {
  CONNECTION_MANAGER,
  PROVIDER_REGISTRY,
  RDMA_DEVICE,
  registerVerbs,
  VERBS_HOST,
} from '@rdmalab/verbs';
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { RxeHost } from '../src/host/rxe-host.js';
import { RXE_PROVIDER_NAME } from '../src/provider.js';
import { createRxeHostContainer, RXE_HOST, RXE_PROVIDER, registerRxe } from '../src/register.js';

describe('dependency injection', () => {
  it('registers the "rxe" provider and builds a host container on the stack’s real scheduler', async () => {
    const c = rootContainer.createChildContainer();
    registerKernel(c, { clock: 'real' });
    registerVerbs(c);
    registerRxe(c, { defaults: { memoryPages: 64 } });
    const host = createRxeHostContainer(c, 'one', { ip: '127.0.5.1' });
    expect(c.resolve(PROVIDER_REGISTRY).names()).toContain(RXE_PROVIDER_NAME);
    const rxe = host.resolve(RXE_HOST);
    expect(rxe).toBeInstanceOf(RxeHost);
    expect(host.resolve(VERBS_HOST)).toBe(rxe);
    expect(host.resolve(RDMA_DEVICE)).toBe(rxe.device);
    expect(host.resolve(CONNECTION_MANAGER)).toBe(rxe.cm);
    expect(host.resolve(PHYSICAL_MEMORY)).toBe(rxe.memory);
    expect(rxe.device.sqRetirement).toBe('each');
    await rxe.ready;
    const viaRegistry = c
      .resolve(PROVIDER_REGISTRY)
      .get(RXE_PROVIDER_NAME)
      .createHost({ name: 'two', ip: '127.0.5.2' } as never);
    expect(viaRegistry).toBeInstanceOf(RxeHost);
    await c.resolve(RXE_PROVIDER).closeAll();
    expect(rxe.link.closed).toBe(true);
  });

  it('EINVAL when the stack runs on virtual time', () => {
    const c = rootContainer.createChildContainer();
    registerKernel(c, { clock: 'virtual' });
    registerRxe(c);
    expect(() => c.resolve(RXE_PROVIDER)).toThrow(/rxe runs in real time/);
  });
});
