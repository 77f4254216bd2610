import { describe, expect, it } from 'vitest';
import { CounterError, Counters } from '../src/index.js';

describe('Counters', () => {
  it('creates counters on first use and snapshots them sorted by name', () => {
    const c = new Counters();
    const empty = c.counter('empty_sendctx_q');
    empty.inc();
    empty.inc(2);
    c.counter('bad_reply_count').inc();
    expect(c.counter('empty_sendctx_q')).toBe(empty);
    expect(c.get('empty_sendctx_q')).toBe(3);
    expect(c.get('never_used')).toBe(0);
    expect(Object.keys(c.snapshot())).toEqual(['bad_reply_count', 'empty_sendctx_q']);
    expect(c.snapshot()).toEqual({ bad_reply_count: 1, empty_sendctx_q: 3 });
  });

  it('reset zeroes every counter and held counters keep working', () => {
    const c = new Counters();
    const x = c.counter('x');
    x.inc(5);
    c.reset();
    expect(x.value).toBe(0);
    x.inc();
    expect(c.get('x')).toBe(1);
    expect(() => x.inc(Number.NaN)).toThrow(CounterError);
    expect(() => c.counter('')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
