import { describe, expect, it } from 'vitest';
import { PayloadPool } from '../src/engine/payload-pool.js';

describe('PayloadPool', () => {
  it('hands out fresh, unshared slab views until a link recycles', () => {
    const pool = new PayloadPool();
    const a = pool.take(4096);
    const b = pool.take(100);
    expect(a.length).toBe(4096);
    expect(b.length).toBe(100);
    a.fill(1);
    b.fill(2);
    expect(a.every((x) => x === 1)).toBe(true);
    expect(pool.reused).toBe(0);
  });

  it('reuses a recycled block for a later payload, but only once per return', () => {
    const pool = new PayloadPool();
    pool.recycle(pool.take(4096)); // a slab view: ignored, but recycling starts
    const first = pool.take(4096);
    first.fill(0xaa);
    pool.recycle(first);
    pool.recycle(first); // returned twice: the second return is ignored
    const again = pool.take(1024);
    expect(again.buffer).toBe(first.buffer);
    expect(again.length).toBe(1024);
    expect(pool.reused).toBe(1);
    // A stale return of the earlier lending does not free the block while it carries `again`.
    pool.recycle(first);
    const other = pool.take(1024);
    expect(other.buffer).not.toBe(first.buffer);
    expect(pool.reused).toBe(1);
  });

  it('ignores buffers it did not hand out (inline or CM payloads)', () => {
    const pool = new PayloadPool();
    const foreign = new Uint8Array(4096);
    pool.recycle(foreign);
    expect(pool.take(4096).buffer).not.toBe(foreign.buffer);
    expect(pool.reused).toBe(0);
  });
});
