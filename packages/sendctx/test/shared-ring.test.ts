import { describe, expect, it } from 'vitest';
import { SendctxError, SHARED_RING_EMPTY, SharedSendctxRing } from '../src/index.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof SendctxError ? e.code : 'other';
  }
  return undefined;
}

describe('SharedSendctxRing in one thread', () => {
  it('has the same contract as the object ring: size - 1 slots, walk on put, unget, flush', () => {
    const ring = SharedSendctxRing.create({ size: 4, payloadWords: 2 });
    expect([ring.get(), ring.get(), ring.get()]).toEqual([1, 2, 3]);
    expect(ring.get()).toBe(SHARED_RING_EMPTY);
    const released: number[] = [];
    expect(ring.put(2, (s) => released.push(s))).toBe(2);
    expect(released).toEqual([1, 2]);
    expect(ring.get()).toBe(0);
    ring.unget(0);
    expect(ring.outstanding).toBe(1);
    expect(ring.flush((s) => released.push(s))).toBe(1);
    expect(released).toEqual([1, 2, 3]);
    expect(ring.counters()).toEqual({ empty_sendctx_q: 1, sendctx_unget: 1, sendctx_flushed: 1 });
  });

  it('gives each slot its own payload words', () => {
    const ring = SharedSendctxRing.create({ size: 3, payloadWords: 2 });
    const s = ring.get();
    ring.words[ring.payloadOffset(s)] = 7;
    ring.words[ring.payloadOffset(s) + 1] = 8;
    const peer = new SharedSendctxRing(ring.buffer);
    expect(Array.from(peer.words)).toEqual([0, 0, 7, 8, 0, 0]);
    expect(peer.head).toBe(1);
  });

  it("a second view of the buffer sees the other side's indices (as a worker would)", () => {
    const consumer = SharedSendctxRing.create({ size: 3 });
    const producer = new SharedSendctxRing(consumer.buffer);
    const a = consumer.get();
    const b = consumer.get();
    expect(consumer.get()).toBe(SHARED_RING_EMPTY);
    expect(producer.outstanding).toBe(2);
    producer.put(b);
    expect(consumer.get()).toBe(0);
    expect(a).toBe(1);
  });

  it('waitForSpace returns at once when space appeared after the empty get, and times out otherwise', () => {
    const consumer = SharedSendctxRing.create({ size: 2 });
    const producer = new SharedSendctxRing(consumer.buffer);
    expect(consumer.waitForSpace(0)).toBe('ok'); // not registered: nothing to wait for
    const s = consumer.get();
    expect(consumer.get()).toBe(SHARED_RING_EMPTY);
    expect(consumer.waitForSpace(1)).toBe('timed-out');
    producer.put(s);
    expect(consumer.waitForSpace(1000)).toBe('not-equal');
    expect(consumer.get()).toBe(0);
  });

  it('waitForSpaceAsync resolves when the producer frees a slot', async () => {
    const consumer = SharedSendctxRing.create({ size: 2 });
    const producer = new SharedSendctxRing(consumer.buffer);
    const s = consumer.get();
    expect(consumer.get()).toBe(SHARED_RING_EMPTY);
    const waiting = consumer.waitForSpaceAsync(5000);
    setTimeout(() => producer.put(s), 5);
    expect(await waiting).toBe('ok');
    expect(consumer.get()).toBe(0);
  });

  it('rejects wrong use and foreign buffers with typed errors', () => {
    expect(code(() => SharedSendctxRing.create({ size: 1 }))).toBe('EINVAL');
    expect(code(() => SharedSendctxRing.create({ size: 4, payloadWords: -1 }))).toBe('EINVAL');
    expect(code(() => new SharedSendctxRing(new SharedArrayBuffer(8)))).toBe('EINVAL');
    expect(code(() => new SharedSendctxRing(new SharedArrayBuffer(4096)))).toBe('EINVAL');
    const ring = SharedSendctxRing.create({ size: 4 });
    const grown = new SharedArrayBuffer(ring.buffer.byteLength + 4);
    new Int32Array(grown).set(new Int32Array(ring.buffer));
    expect(code(() => new SharedSendctxRing(grown))).toBe('EINVAL');
    expect(code(() => ring.put(4))).toBe('EFOREIGN');
    expect(code(() => ring.put(1))).toBe('ESTALE');
    ring.get();
    ring.get();
    expect(code(() => ring.unget(1))).toBe('EINVAL');
    expect(code(() => ring.unget(3))).toBe('ESTALE');
    expect(ring.outstanding).toBe(2);
  });
});
