import { describe, expect, it } from 'vitest';
import { RealScheduler } from '../src/index.js';

describe('RealScheduler', () => {
  it('fires timers in wall time, in deadline order', async () => {
    const s = new RealScheduler();
    const fired: Array<[string, number]> = [];
    const done = new Promise<void>((resolve) => {
      s.setTimer(20_000_000, () => {
        fired.push(['20ms', s.now()]);
        resolve();
      });
      s.setTimer(5_000_000, () => fired.push(['5ms', s.now()]));
      s.setTimer(0, () => fired.push(['0', s.now()]));
    });
    await done;
    expect(fired.map(([n]) => n)).toEqual(['0', '5ms', '20ms']);
    expect(fired[1]![1]).toBeGreaterThanOrEqual(5_000_000);
    expect(fired[2]![1]).toBeGreaterThanOrEqual(20_000_000);
    s.close();
  });

  it('close() cancels pending timers and refuses new ones', async () => {
    const s = new RealScheduler();
    let fired = false;
    const h = s.setTimer(1_000_000, () => {
      fired = true;
    });
    const z = s.setTimer(0, () => {
      fired = true;
    });
    expect(s.pendingCount).toBe(2);
    s.close();
    expect(h.pending).toBe(false);
    expect(z.cancel()).toBe(false);
    await new Promise((r) => setTimeout(r, 10));
    expect(fired).toBe(false);
    expect(() => s.setTimer(1, () => {})).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
