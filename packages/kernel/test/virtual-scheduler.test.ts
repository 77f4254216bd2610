import { describe, expect, it } from 'vitest';
import { SchedulerError, VirtualScheduler } from '../src/index.js';

/** A randomized workload driven by a tiny LCG so this test does not depend on the PRNG module. */
function runWorkload(seed: number): string[] {
  const s = new VirtualScheduler();
  let x = seed >>> 0;
  const rand = (n: number): number => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x % n;
  };
  const trace: string[] = [];
  for (let id = 0; id < 50; id++) {
    let left = 20;
    const fire = (): void => {
      trace.push(`${s.now()}:${id}`);
      if (--left > 0) s.setTimer(rand(5) * 100, fire);
    };
    s.setTimer(rand(1000), fire);
  }
  s.runUntilIdle();
  return trace;
}

describe('VirtualScheduler', () => {
  it('gives identical event order and timestamps for the same seed, different for another', () => {
    const a = runWorkload(42);
    const b = runWorkload(42);
    expect(a).toHaveLength(1000);
    expect(b).toEqual(a);
    expect(runWorkload(43)).not.toEqual(a);
  });

  it('breaks ties by insertion order, and a 0 delay runs after everything already due now', () => {
    const s = new VirtualScheduler();
    const order: string[] = [];
    s.setTimer(10, () => {
      order.push('a');
      s.setTimer(0, () => order.push('a0'));
    });
    s.setTimer(10, () => order.push('b'));
    s.setTimerAt(10, () => order.push('c'));
    s.setTimer(5, () => order.push('early'));
    s.runUntilIdle();
    expect(order).toEqual(['early', 'a', 'b', 'c', 'a0']);
    expect(s.now()).toBe(10);
  });

  it('never fires a cancelled timer; cancel reports whether it was pending', () => {
    const s = new VirtualScheduler();
    const fired: number[] = [];
    const handles = Array.from({ length: 3000 }, (_, i) => s.setTimer(i + 1, () => fired.push(i)));
    for (let i = 0; i < 3000; i += 2) expect(handles[i]!.cancel()).toBe(true);
    expect(handles[0]!.cancel()).toBe(false);
    expect(handles[0]!.pending).toBe(false);
    expect(s.pendingCount).toBe(1500);
    expect(s.runUntilIdle()).toBe(1500);
    expect(fired.every((i) => i % 2 === 1)).toBe(true);
    expect(fired).toHaveLength(1500);
    expect(handles[1]!.pending).toBe(false);
    expect(handles[1]!.cancel()).toBe(false);
    expect(handles[1]!.deadline).toBe(2);
  });

  it('runUntil dispatches events up to and including t, then sets now = t', () => {
    const s = new VirtualScheduler({ startNs: 1000 });
    const seen: number[] = [];
    for (const d of [100, 200, 300]) s.setTimer(d, () => seen.push(s.now()));
    expect(s.runUntil(1200)).toBe(2);
    expect(seen).toEqual([1100, 1200]);
    expect(s.now()).toBe(1200);
    expect(s.runFor(50)).toBe(0);
    expect(s.now()).toBe(1250);
    expect(s.pendingCount).toBe(1);
    expect(() => s.runUntil(10)).toThrow(SchedulerError);
  });

  it('rejects bad times with EINVAL and a runaway loop with ELOOP', () => {
    const s = new VirtualScheduler();
    expect(() => s.setTimer(-1, () => {})).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => s.setTimer(Number.NaN, () => {})).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    s.runFor(100);
    expect(() => s.setTimerAt(50, () => {})).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const again = (): void => {
      s.setTimer(1, again);
    };
    s.setTimer(1, again);
    expect(() => s.runUntilIdle(1000)).toThrow(expect.objectContaining({ code: 'ELOOP' }));
    expect(s.now()).toBe(1100);
  });

  it('step() dispatches one event and reports false when idle', () => {
    const s = new VirtualScheduler();
    const h = s.setTimer(7, () => {});
    expect(s.step()).toBe(true);
    expect(h.pending).toBe(false);
    expect(s.now()).toBe(7);
    expect(s.step()).toBe(false);
  });

  it('async runs let promise continuations run between events, deterministically', async () => {
    const run = async (): Promise<string[]> => {
      const s = new VirtualScheduler();
      const log: string[] = [];
      const sleep = (ns: number): Promise<void> => new Promise((r) => s.setTimer(ns, r));
      const task = async (name: string, step: number): Promise<void> => {
        for (let i = 0; i < 3; i++) {
          await sleep(step);
          log.push(`${s.now()} ${name}${i}`);
        }
      };
      void task('x', 10);
      void task('y', 15);
      expect(await s.runUntilIdleAsync()).toBe(6);
      return log;
    };
    const first = await run();
    expect(first).toEqual(['10 x0', '15 y0', '20 x1', '30 y1', '30 x2', '45 y2']);
    expect(await run()).toEqual(first);
  });

  it('runUntilAsync and runUntilTrueAsync stop where asked', async () => {
    const s = new VirtualScheduler();
    let done = false;
    void (async () => {
      await new Promise<void>((r) => s.setTimer(100, r));
      await new Promise<void>((r) => s.setTimer(100, r));
      done = true;
    })();
    s.setTimer(1000, () => {});
    expect(await s.runUntilAsync(150)).toBe(1);
    expect(s.now()).toBe(150);
    expect(await s.runUntilTrueAsync(() => done)).toBe(true);
    expect(s.now()).toBe(200);
    expect(await s.runUntilTrueAsync(() => false)).toBe(false);
    expect(s.now()).toBe(1000);
  });
});
