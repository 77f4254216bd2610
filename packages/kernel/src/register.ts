import 'reflect-metadata';
import {
  type DependencyContainer,
  instanceCachingFactory,
  instancePerContainerCachingFactory,
} from 'tsyringe';
import { PHYSICAL_MEMORY, PhysicalMemory } from './memory/physical-memory.js';
import { RANDOM } from './random/random.js';
import { createRandom } from './random/xoshiro128.js';
import { COUNTERS, Counters } from './stats/counters.js';
import { CLOCK, SCHEDULER, type Scheduler } from './time/clock.js';
import { SchedulerError } from './time/errors.js';
import { RealScheduler } from './time/real-scheduler.js';
import { VirtualScheduler } from './time/virtual-scheduler.js';
import { TRACER, Tracer } from './trace/tracer.js';

export interface KernelOptions {
  /** 'virtual' (default): deterministic VirtualScheduler; 'real': wall-clock RealScheduler. */
  clock?: 'virtual' | 'real';
  /** Seed of the root RANDOM stream (default 1). */
  seed?: number;
  /** Pages of each host's PhysicalMemory (default 4096 = 16 MiB). */
  memoryPages?: number;
}

export const DEFAULT_SEED = 1;
export const DEFAULT_MEMORY_PAGES = 4096;

/**
 * Bind the kernel defaults. SCHEDULER/CLOCK (one instance), RANDOM and TRACER are cached once for
 * the whole stack (a simulation has one clock, even across hosts); PHYSICAL_MEMORY and COUNTERS
 * are cached per container, so each host's child container gets its own. Override any binding by
 * registering the token again, in the container or in a child.
 */
export function registerKernel(container: DependencyContainer, options: KernelOptions = {}): void {
  const { clock = 'virtual', seed = DEFAULT_SEED, memoryPages = DEFAULT_MEMORY_PAGES } = options;
  if (clock !== 'virtual' && clock !== 'real') {
    throw new SchedulerError('EINVAL', `options.clock must be 'virtual' or 'real', got ${String(clock)}`);
  }
  const random = createRandom(seed); // validate the seed now, not on first resolve
  container.register<Scheduler>(SCHEDULER, {
    useFactory: instanceCachingFactory(() =>
      clock === 'real' ? new RealScheduler() : new VirtualScheduler(),
    ),
  });
  container.register(CLOCK, { useFactory: (c) => c.resolve(SCHEDULER) });
  container.register(RANDOM, { useFactory: instanceCachingFactory(() => random) });
  container.register(TRACER, { useFactory: instanceCachingFactory((c) => new Tracer(c.resolve(CLOCK))) });
  container.register(PHYSICAL_MEMORY, {
    useFactory: instancePerContainerCachingFactory(() => new PhysicalMemory({ totalPages: memoryPages })),
  });
  container.register(COUNTERS, { useFactory: instancePerContainerCachingFactory(() => new Counters()) });
}
