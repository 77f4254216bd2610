import 'reflect-metadata';
import { SCHEDULER, VirtualScheduler } from '@rdmalab/kernel';
import { SendctxRing } from '@rdmalab/sendctx';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import {
  BatchSignaling,
  buildPolicies,
  ConditionalReference,
  computeBatch,
  LeaveSlot,
  PolicyError,
  PRESETS,
  RecycleGated,
  ReleaseOnReply,
  registerXprtrdma,
  SEND_PATH_POLICIES,
  SIGNALING_POLICY,
  SignalEverySend,
  TwoOwner,
  UngetSlot,
  WaitWhenMapped,
} from '../src/index.js';

const sizing = { maxRequests: 128, maxSendWr: 128 * 7 + 1 };

function pattern(policy: BatchSignaling, posts: { wrs: number; force?: boolean }[]): string {
  const c = policy.attach(sizing);
  return posts.map((p) => (c.signal({ wrs: p.wrs, force: p.force ?? false }) ? 'S' : '.')).join('');
}

describe('signaling policies', () => {
  it('computes the batch as each era did', () => {
    expect(computeBatch('linux-4.14', sizing)).toBe(447);
    expect(computeBatch('linux-4.15', sizing)).toBe(7);
    expect(computeBatch('linux-5.3', sizing)).toBe(16);
    expect(computeBatch('linux-5.3', { maxRequests: 7, maxSendWr: 50 })).toBe(0);
  });

  it('counting Sends signals once per batch and ignores chained FastReg WRs', () => {
    const p = new BatchSignaling({ formula: 'linux-5.3', counting: 'sends' });
    expect(
      pattern(
        p,
        Array.from({ length: 34 }, () => ({ wrs: 4 })),
      ),
    ).toBe(`${'.'.repeat(16)}S${'.'.repeat(16)}S`);
  });

  it('counting WRs signals before the chained FastRegs exceed the batch', () => {
    const p = new BatchSignaling({ formula: 'linux-5.3', counting: 'wrs' });
    // 16 / 4 = 4 posts fit; the 5th exceeds the counter and is signaled, then the count resets to 16
    expect(
      pattern(
        p,
        Array.from({ length: 10 }, () => ({ wrs: 4 })),
      ),
    ).toBe('....S....S');
  });

  it("5.13's reset arithmetic signals every other single-WR Send after the first batch", () => {
    const p = new BatchSignaling({ formula: 'linux-5.3', counting: 'wrs-5.13-reset' });
    expect(
      pattern(
        p,
        Array.from({ length: 24 }, () => ({ wrs: 1 })),
      ),
    ).toBe(`${'.'.repeat(16)}S.S.S.S.`);
    const fixed = new BatchSignaling({ formula: 'linux-5.3', counting: 'wrs' });
    expect(
      pattern(
        fixed,
        Array.from({ length: 24 }, () => ({ wrs: 1 })),
      ),
    ).toBe(`${'.'.repeat(16)}S.......`);
  });

  it('a forced Send is always signaled; every-send signals all', () => {
    const p = new BatchSignaling({ formula: 'linux-5.3', counting: 'sends' });
    expect(pattern(p, [{ wrs: 1 }, { wrs: 1, force: true }, { wrs: 1 }])).toBe('.S.');
    const c = new SignalEverySend().attach(sizing);
    expect([1, 2, 3].map(() => c.signal({ wrs: 1, force: false }))).toEqual([true, true, true]);
  });

  it('rejects an unknown option with a typed error', () => {
    expect(() => new BatchSignaling({ formula: 'linux-9' as 'linux-5.3', counting: 'sends' })).toThrow(
      PolicyError,
    );
  });
});

describe('Send-lifetime policies', () => {
  const inline = { mappedPages: false, registeredMrs: false };
  const paged = { mappedPages: true, registeredMrs: false };
  it('decide who waits for the Send', () => {
    expect(new ReleaseOnReply().decide(paged)).toEqual({
      rpcWaitsForSend: false,
      recycleWaitsForSend: false,
      forceSignal: false,
    });
    expect(new WaitWhenMapped().decide(paged)).toEqual({
      rpcWaitsForSend: true,
      recycleWaitsForSend: true,
      forceSignal: true,
    });
    expect(new ConditionalReference().decide(inline)).toEqual({
      rpcWaitsForSend: false,
      recycleWaitsForSend: false,
      forceSignal: false,
    });
    expect(new RecycleGated().decide(inline)).toEqual({
      rpcWaitsForSend: false,
      recycleWaitsForSend: true,
      forceSignal: false,
    });
    expect(new TwoOwner().decide(inline)).toEqual({
      rpcWaitsForSend: true,
      recycleWaitsForSend: true,
      forceSignal: true,
    });
    expect(new ReleaseOnReply().usesRing).toBe(false);
    expect(new RecycleGated().poolSlack).toBe(true);
  });
});

describe('prep-failure policies', () => {
  it('leave-slot keeps the context handed out; unget returns it', () => {
    const ring = new SendctxRing<number, string>({ size: 4 });
    const a = ring.get();
    if (typeof a === 'symbol') throw new Error('ring empty');
    new LeaveSlot().onPrepareFailed(ring, a);
    expect(ring.outstanding).toBe(1);
    const b = ring.get();
    if (typeof b === 'symbol') throw new Error('ring empty');
    new UngetSlot().onPrepareFailed(ring, b);
    expect(ring.outstanding).toBe(1);
  });
});

describe('presets and DI', () => {
  it('builds every preset', () => {
    const s = new VirtualScheduler();
    for (const spec of Object.values(PRESETS))
      expect(buildPolicies(spec, s).sendLifetime.name).toBe(spec.sendLifetime);
    expect(() => buildPolicies({ ...PRESETS['linux-7.2'], inlinePages: 'copy' as 'gather' }, s)).toThrow(
      PolicyError,
    );
  });

  it('registerXprtrdma binds the preset, and one token can be rebound alone', () => {
    const c = container.createChildContainer();
    c.register(SCHEDULER, { useValue: new VirtualScheduler() });
    registerXprtrdma(c, { policies: 'linux-4.15' });
    expect(c.resolve(SEND_PATH_POLICIES).sendLifetime.name).toBe('wait-when-mapped');
    expect(c.resolve(SEND_PATH_POLICIES).wakeup.name).toBe('flag-bit');
    c.register(SIGNALING_POLICY, { useValue: new SignalEverySend() });
    expect(c.resolve(SEND_PATH_POLICIES).signaling.name).toBe('every-send');
  });
});
