import 'reflect-metadata';
import {
  COUNTERS,
  Counters,
  PHYSICAL_MEMORY,
  RealScheduler,
  SCHEDULER,
  type Scheduler,
  TRACER,
  type Tracer,
} from '@rdmalab/kernel';
import { CONNECTION_MANAGER, PROVIDER_REGISTRY, RDMA_DEVICE, VERBS_HOST } from '@rdmalab/verbs';
import { type DependencyContainer, type InjectionToken, instanceCachingFactory } from 'tsyringe';
import { RxeError } from './errors.js';
import type { RxeHost, RxeHostOptions } from './host/rxe-host.js';
import { RxeDeviceProvider } from './provider.js';

/** The rxe provider of one stack (holds the hosts it made, to close them). */
export const RXE_PROVIDER: InjectionToken<RxeDeviceProvider> = Symbol('rdmalab.rxe.RxeDeviceProvider');
/** The RxeHost of a host's child container. */
export const RXE_HOST: InjectionToken<RxeHost> = Symbol('rdmalab.rxe.RxeHost');

export interface RxeOptions {
  /** Defaults for every host (MTU, link, CM timing…); per-host options win. */
  defaults?: Partial<RxeHostOptions>;
  /** Register the "rxe" provider in PROVIDER_REGISTRY when it is bound (default true). */
  registerProvider?: boolean;
}

function stackScheduler(c: DependencyContainer): Scheduler | undefined {
  if (!c.isRegistered(SCHEDULER, true)) return undefined;
  const scheduler = c.resolve<Scheduler>(SCHEDULER);
  if (!(scheduler instanceof RealScheduler))
    throw new RxeError(
      'EINVAL',
      'registerRxe: rxe runs in real time; bind SCHEDULER with registerKernel({ clock: "real" })',
    );
  return scheduler;
}

/**
 * Bind RXE_PROVIDER (hosts share the stack's real SCHEDULER and TRACER when bound) and register the
 * "rxe" device provider in PROVIDER_REGISTRY if registerVerbs was called.
 */
export function registerRxe(container: DependencyContainer, options: RxeOptions = {}): void {
  container.register(RXE_PROVIDER, {
    useFactory: instanceCachingFactory((c) => {
      const scheduler = stackScheduler(c);
      const provider = new RxeDeviceProvider({
        ...(scheduler && { scheduler }),
        ...(c.isRegistered(TRACER, true) && { tracer: c.resolve<Tracer>(TRACER) }),
        ...options.defaults,
      });
      if ((options.registerProvider ?? true) && c.isRegistered(PROVIDER_REGISTRY, true))
        c.resolve(PROVIDER_REGISTRY).register(provider);
      return provider;
    }),
  });
}

/**
 * A child container for one rxe host on `options.ip`: binds RXE_HOST, VERBS_HOST, RDMA_DEVICE,
 * CONNECTION_MANAGER, PHYSICAL_MEMORY (the host's memory) and COUNTERS (the host's own, shared by the
 * device and its UDP link). `await container.resolve(RXE_HOST).ready` before use.
 */
export function createRxeHostContainer(
  container: DependencyContainer,
  name: string,
  options: RxeHostOptions,
): DependencyContainer {
  const provider = container.resolve(RXE_PROVIDER);
  const counters = options.counters ?? new Counters();
  const host = provider.createHost({ ...options, name, counters });
  const child = container.createChildContainer();
  child.register(RXE_HOST, { useValue: host });
  child.register(VERBS_HOST, { useValue: host });
  child.register(RDMA_DEVICE, { useValue: host.device });
  child.register(CONNECTION_MANAGER, { useValue: host.cm });
  child.register(PHYSICAL_MEMORY, { useValue: host.memory });
  child.register(COUNTERS, { useValue: counters });
  return child;
}
