import 'reflect-metadata';
import {
  COUNTERS,
  Counters,
  PHYSICAL_MEMORY,
  RANDOM,
  type Random,
  SCHEDULER,
  type Scheduler,
  TRACER,
  type Tracer,
  VirtualScheduler,
} from '@rdmalab/kernel';
import { CONNECTION_MANAGER, PROVIDER_REGISTRY, RDMA_DEVICE, VERBS_HOST } from '@rdmalab/verbs';
import { type DependencyContainer, type InjectionToken, instanceCachingFactory } from 'tsyringe';
import { SimError } from './errors.js';
import type { LinkOptions } from './fabric/link-options.js';
import { SimFabric, type SimHostOptions } from './fabric/sim-fabric.js';
import type { SimHost } from './fabric/sim-host.js';
import type { FaultPlan } from './fault/fault-plan.js';
import { SimDeviceProvider } from './provider.js';
import type { WireTapOptions } from './tap/wire-tap.js';

/** The simulated fabric of one stack. */
export const SIM_FABRIC: InjectionToken<SimFabric> = Symbol('rdmalab.hca-sim.SimFabric');
/** The SimHost of a host's child container (its memory, HCA, CM, IOMMU). */
export const SIM_HOST: InjectionToken<SimHost> = Symbol('rdmalab.hca-sim.SimHost');

export interface HcaSimOptions {
  faults?: FaultPlan;
  link?: LinkOptions;
  tap?: WireTapOptions | false;
  /** Register the "sim" provider in PROVIDER_REGISTRY when it is bound (default true). */
  registerProvider?: boolean;
}

/**
 * Bind SIM_FABRIC (one per stack) built on the stack's SCHEDULER (must be a VirtualScheduler — bind it
 * with registerKernel({ clock: 'virtual' })), RANDOM and TRACER when bound; and register the "sim"
 * device provider in PROVIDER_REGISTRY if registerVerbs was called.
 */
export function registerHcaSim(container: DependencyContainer, options: HcaSimOptions = {}): void {
  container.register(SIM_FABRIC, {
    useFactory: instanceCachingFactory((c) => {
      const scheduler = c.isRegistered(SCHEDULER, true)
        ? c.resolve<Scheduler>(SCHEDULER)
        : new VirtualScheduler();
      if (!(scheduler instanceof VirtualScheduler)) {
        throw new SimError(
          'EINVAL',
          'registerHcaSim: the simulated fabric needs a virtual SCHEDULER (clock: "virtual")',
        );
      }
      const fabric = new SimFabric({
        scheduler,
        ...(c.isRegistered(RANDOM, true) && { random: c.resolve<Random>(RANDOM).fork('hca-sim') }),
        ...(c.isRegistered(TRACER, true) && { tracer: c.resolve<Tracer>(TRACER) }),
        ...(options.faults && { faults: options.faults }),
        ...(options.link && { link: options.link }),
        ...(options.tap !== undefined && { tap: options.tap }),
      });
      if ((options.registerProvider ?? true) && c.isRegistered(PROVIDER_REGISTRY, true)) {
        c.resolve(PROVIDER_REGISTRY).register(new SimDeviceProvider(fabric));
      }
      return fabric;
    }),
  });
}

/**
 * Make a child container for one simulated host: adds the host to the stack's fabric and binds
 * SIM_HOST, VERBS_HOST, RDMA_DEVICE, CONNECTION_MANAGER, PHYSICAL_MEMORY (the host's memory) and
 * COUNTERS (the host's own) in it.
 */
export function createSimHostContainer(
  container: DependencyContainer,
  name: string,
  options: SimHostOptions,
): DependencyContainer {
  const fabric = container.resolve(SIM_FABRIC);
  const host = fabric.addHost(name, options);
  const child = container.createChildContainer();
  child.register(SIM_HOST, { useValue: host });
  child.register(VERBS_HOST, { useValue: host });
  child.register(RDMA_DEVICE, { useValue: host.device });
  child.register(CONNECTION_MANAGER, { useValue: host.cm });
  child.register(PHYSICAL_MEMORY, { useValue: host.memory });
  child.register(COUNTERS, { useFactory: instanceCachingFactory(() => new Counters()) });
  return child;
}
