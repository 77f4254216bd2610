import 'reflect-metadata';
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import {
  CLOCK,
  COUNTERS,
  createRandom,
  PHYSICAL_MEMORY,
  RANDOM,
  RealScheduler,
  registerKernel,
  SCHEDULER,
  TRACER,
  VirtualScheduler,
} from '../src/index.js';

describe('registerKernel', () => {
  it('binds a virtual scheduler that is also the clock, and a seeded random', () => {
    const c = rootContainer.createChildContainer();
    registerKernel(c, { seed: 5, memoryPages: 16 });
    const scheduler = c.resolve(SCHEDULER);
    expect(scheduler).toBeInstanceOf(VirtualScheduler);
    expect(c.resolve(CLOCK)).toBe(scheduler);
    expect(c.resolve(RANDOM).nextU32()).toBe(createRandom(5).nextU32());
    expect(c.resolve(PHYSICAL_MEMORY).totalPages).toBe(16);
    expect(c.resolve(TRACER)).toBe(c.resolve(TRACER));
  });

  it('gives each host container its own memory and counters but one shared scheduler', () => {
    const stack = rootContainer.createChildContainer();
    registerKernel(stack);
    const hostA = stack.createChildContainer();
    const hostB = stack.createChildContainer();
    expect(hostA.resolve(SCHEDULER)).toBe(hostB.resolve(SCHEDULER));
    expect(hostA.resolve(TRACER)).toBe(hostB.resolve(TRACER));
    const memA = hostA.resolve(PHYSICAL_MEMORY);
    // Identity compared directly: toBe's deep-equality hint would walk 16 MiB of pages.
    expect(memA === hostB.resolve(PHYSICAL_MEMORY)).toBe(false);
    expect(hostA.resolve(PHYSICAL_MEMORY) === memA).toBe(true);
    memA.alloc('host-a');
    expect(hostB.resolve(PHYSICAL_MEMORY).allocatedPages).toBe(0);
    hostA.resolve(COUNTERS).counter('x').inc();
    expect(hostB.resolve(COUNTERS).get('x')).toBe(0);
  });

  it('lets a child swap RANDOM without touching the parent', () => {
    const stack = rootContainer.createChildContainer();
    registerKernel(stack, { seed: 1 });
    const parentRandom = stack.resolve(RANDOM);
    const host = stack.createChildContainer();
    const swapped = createRandom(99);
    host.register(RANDOM, { useValue: swapped });
    expect(host.resolve(RANDOM)).toBe(swapped);
    expect(stack.resolve(RANDOM)).toBe(parentRandom);
    expect(stack.createChildContainer().resolve(RANDOM)).toBe(parentRandom);
  });

  it("binds a RealScheduler for clock: 'real' and rejects an unknown clock", () => {
    const c = rootContainer.createChildContainer();
    registerKernel(c, { clock: 'real' });
    const s = c.resolve(SCHEDULER);
    expect(s).toBeInstanceOf(RealScheduler);
    (s as RealScheduler).close();
    const bad = { clock: 'sundial' } as unknown as { clock: 'real' };
    expect(() => registerKernel(rootContainer.createChildContainer(), bad)).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
  });
});
