import 'reflect-metadata';
import { COUNTERS, registerKernel, SCHEDULER, type Scheduler, VirtualScheduler } from '@rdmalab/kernel';
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import {
  FlagBitWakeup,
  RING_EMPTY,
  registerSendctx,
  SENDCTX_RING_FACTORY,
  SendctxError,
  UnconditionalWakeup,
  WAKEUP_POLICY,
} from '../src/index.js';

function stack() {
  const c = rootContainer.createChildContainer();
  registerKernel(c);
  registerSendctx(c);
  return c;
}

describe('registerSendctx', () => {
  it('binds the unconditional policy and a ring factory that counts into the container COUNTERS', () => {
    const c = stack();
    expect(c.resolve(WAKEUP_POLICY)).toBeInstanceOf(UnconditionalWakeup);
    const ring = c.resolve(SENDCTX_RING_FACTORY).create<string, number>({ size: 3 });
    expect(ring.wakeupPolicy.name).toBe('unconditional');
    ring.get();
    ring.get();
    expect(ring.get()).toBe(RING_EMPTY);
    expect(c.resolve(COUNTERS).get('empty_sendctx_q')).toBe(1);
  });

  it('a host child container swaps in the flag-bit policy without touching its parent', () => {
    const parent = stack();
    const host = parent.createChildContainer();
    host.register(WAKEUP_POLICY, {
      useFactory: (c) => new FlagBitWakeup({ scheduler: c.resolve<Scheduler>(SCHEDULER), sleepAfterNs: 500 }),
    });
    const hostRing = host.resolve(SENDCTX_RING_FACTORY).create<string, number>({ size: 2 });
    const parentRing = parent.resolve(SENDCTX_RING_FACTORY).create<string, number>({ size: 2 });
    expect(hostRing.wakeupPolicy.name).toBe('flag-bit');
    expect(parentRing.wakeupPolicy.name).toBe('unconditional');

    // The swapped policy really drives the host's ring: its empty get defers the sleep.
    const scheduler = host.resolve(SCHEDULER);
    if (!(scheduler instanceof VirtualScheduler))
      throw new Error('registerKernel binds a VirtualScheduler by default');
    hostRing.get();
    expect(hostRing.get(() => {})).toBe(RING_EMPTY);
    expect(hostRing.writeSpace.waiting).toBe(0);
    scheduler.runFor(500);
    expect(hostRing.writeSpace.waiting).toBe(1);
  });

  it('options select the flag-bit policy, and bad options are typed errors', () => {
    const c = rootContainer.createChildContainer();
    registerKernel(c);
    registerSendctx(c, { wakeup: 'flag-bit', flagBitSleepAfterNs: 10 });
    expect(c.resolve(WAKEUP_POLICY)).toBeInstanceOf(FlagBitWakeup);
    const bad = rootContainer.createChildContainer();
    expect(() => registerSendctx(bad, { flagBitSleepAfterNs: -1 })).toThrow(SendctxError);
    expect(() => registerSendctx(bad, { wakeup: 'sometimes' as 'flag-bit' })).toThrow(/options.wakeup/);
  });

  it('a ring factory without COUNTERS bound keeps private counters', () => {
    const c = rootContainer.createChildContainer();
    registerSendctx(c);
    const ring = c.resolve(SENDCTX_RING_FACTORY).create<string, number>({ size: 2 });
    ring.get();
    ring.get();
    expect(ring.counters.get('empty_sendctx_q')).toBe(1);
  });
});
