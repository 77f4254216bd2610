import 'reflect-metadata';
import { type DependencyContainer, instanceCachingFactory } from 'tsyringe';
import { VerbsError } from './errors.js';
import { DeviceProviderRegistry } from './provider-registry.js';
import { CONNECTION_MANAGER, PROVIDER_REGISTRY, RDMA_DEVICE, VERBS_HOST } from './tokens.js';

/**
 * Bind the verbs defaults: an empty provider registry (one per stack), and CONNECTION_MANAGER /
 * RDMA_DEVICE derived from whatever VERBS_HOST a backend binds in a host's child container.
 */
export function registerVerbs(container: DependencyContainer): void {
  container.register(PROVIDER_REGISTRY, {
    useFactory: instanceCachingFactory(() => new DeviceProviderRegistry()),
  });
  container.register(CONNECTION_MANAGER, { useFactory: (c) => c.resolve(VERBS_HOST).cm });
  container.register(RDMA_DEVICE, {
    useFactory: (c) => {
      const device = c.resolve(VERBS_HOST).devices[0];
      if (!device) throw new VerbsError('ENODEV', `host "${c.resolve(VERBS_HOST).name}" has no RDMA device`);
      return device;
    },
  });
}
