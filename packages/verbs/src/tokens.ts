import type { InjectionToken } from 'tsyringe';
import type { ConnectionManager } from './cm/connection-manager.js';
import type { Device } from './device.js';
import type { ProviderRegistry, VerbsHost } from './provider-registry.js';

/** The registry backends register their device providers into (one per stack). */
export const PROVIDER_REGISTRY: InjectionToken<ProviderRegistry> = Symbol('rdmalab.verbs.ProviderRegistry');
/** One host's devices and CM, bound in that host's child container by a backend. */
export const VERBS_HOST: InjectionToken<VerbsHost> = Symbol('rdmalab.verbs.VerbsHost');
/** One host's connection manager: all a ULP needs to open connections. */
export const CONNECTION_MANAGER: InjectionToken<ConnectionManager> = Symbol(
  'rdmalab.verbs.ConnectionManager',
);
/** One host's default RDMA device. */
export const RDMA_DEVICE: InjectionToken<Device> = Symbol('rdmalab.verbs.Device');
