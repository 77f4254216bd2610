import { describe, expect, it } from 'vitest';
import { Completion, Kref, KrefError, WaitQueue } from '../src/index.js';

describe('WaitQueue', () => {
  it('wakes waiters in FIFO order, one at a time or all', () => {
    const q = new WaitQueue();
    const woke: string[] = [];
    q.add(() => woke.push('a'));
    const removeB = q.add(() => woke.push('b'));
    q.add(() => woke.push('c'));
    q.add(() => woke.push('d'));
    removeB();
    expect(q.length).toBe(3);
    expect(q.wakeOne()).toBe(true);
    expect(woke).toEqual(['a']);
    expect(q.wakeAll()).toBe(2);
    expect(woke).toEqual(['a', 'c', 'd']);
    expect(q.wakeOne()).toBe(false);
    expect(q.length).toBe(0);
  });

  it('wakeAll does not wake waiters that re-queue while being woken', () => {
    const q = new WaitQueue();
    let calls = 0;
    const waiter = (): void => {
      calls++;
      q.add(waiter);
    };
    q.add(waiter);
    expect(q.wakeAll()).toBe(1);
    expect(calls).toBe(1);
    expect(q.length).toBe(1);
  });

  it('wait() resolves on the wake that reaches it', async () => {
    const q = new WaitQueue();
    let resolved = 0;
    const p1 = q.wait().then(() => resolved++);
    void q.wait().then(() => resolved++);
    q.wakeOne();
    await p1;
    expect(resolved).toBe(1);
    expect(q.length).toBe(1);
  });
});

describe('Completion', () => {
  it('complete() releases exactly one waiter, now or later', async () => {
    const c = new Completion();
    const order: string[] = [];
    c.onDone(() => order.push('first'));
    c.onDone(() => order.push('second'));
    c.complete();
    expect(order).toEqual(['first']);
    expect(c.done).toBe(false);
    c.complete();
    c.complete();
    expect(order).toEqual(['first', 'second']);
    expect(c.done).toBe(true);
    await c.wait();
    expect(c.done).toBe(false);
  });

  it('completeAll() releases everyone until reinit()', async () => {
    const c = new Completion();
    const w = [c.wait(), c.wait()];
    c.completeAll();
    await Promise.all(w);
    await c.wait();
    expect(c.done).toBe(true);
    c.reinit();
    expect(c.done).toBe(false);
    let late = false;
    c.onDone(() => {
      late = true;
    });
    expect(late).toBe(false);
    c.complete();
    expect(late).toBe(true);
  });
});

describe('Kref', () => {
  it('calls release once, on the last put', () => {
    let released = 0;
    const k = new Kref(() => released++);
    k.get();
    expect(k.count).toBe(2);
    expect(k.put()).toBe(false);
    expect(released).toBe(0);
    expect(k.put()).toBe(true);
    expect(released).toBe(1);
    expect(k.count).toBe(0);
  });

  it('rejects get and put after release, and a bad initial count', () => {
    let released = 0;
    const k = new Kref(() => released++, 2);
    k.put();
    k.put();
    expect(() => k.get()).toThrow(KrefError);
    expect(() => k.put()).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(released).toBe(1);
    expect(() => new Kref(() => {}, 0)).toThrow(KrefError);
  });
});
