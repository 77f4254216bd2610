import 'reflect-metadata';
import { type DependencyContainer, instancePerContainerCachingFactory } from 'tsyringe';
import type { TcpTransportOptions } from './tcp/options.js';
import { TcpTransportClass } from './tcp/transport-class.js';
import { TRANSPORT_REGISTRY } from './transport/contract.js';
import { TransportClassRegistry } from './transport/registry.js';

export interface SunrpcOptions {
  /** Tuning of the "tcp" transport class. */
  readonly tcp?: Partial<TcpTransportOptions>;
}

/**
 * Binds TRANSPORT_REGISTRY: one registry per container (each host's child container gets its
 * own, so a host can register an "rdma" class bound to its own device), holding "tcp" from the
 * start. Other packages register more classes into it (`container.resolve(TRANSPORT_REGISTRY)
 * .register(...)`).
 */
export function registerSunrpc(container: DependencyContainer, options: SunrpcOptions = {}): void {
  container.register(TRANSPORT_REGISTRY, {
    useFactory: instancePerContainerCachingFactory(() => {
      const registry = new TransportClassRegistry();
      registry.register(new TcpTransportClass(options.tcp));
      return registry;
    }),
  });
}
