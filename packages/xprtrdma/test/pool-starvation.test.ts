import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../src/index.js';
import { buildStack, decodeEcho, echoArgs, PROC_ECHO, runCalls } from './support/stack.js';

describe('recycle-gated requests (7.2): a pool emptied by Sends still in flight wakes its waiters', () => {
  it('replies outrun their Send completions (ACKs lost), the pool runs dry, and every RPC still completes once the Sends retire', async () => {
    const stack = await buildStack({
      spec: PRESETS['linux-7.2'],
      client: { maxRequests: 16 },
      fabric: { faults: { ackLoss: [{ from: 'server', to: 'client', nth: 1, count: 24 }] } },
    });
    const payloads = Array.from({ length: 48 }, (_, i) => new Uint8Array(100).fill(i));
    const results = await runCalls(
      stack,
      payloads.map((p) =>
        stack.client.call({
          proc: PROC_ECHO,
          encodeArgs: echoArgs(p),
          replyMaxBytes: 256,
          decodeResult: decodeEcho,
        }),
      ),
      3_000_000_000,
    );
    const s = stack.transport.xprt.stats;
    expect(results.map((r) => r.status)).toEqual(payloads.map(() => 'fulfilled'));
    // The pool (16 + 2 slack) ran dry while requests waited for their Sends; recycling woke the waiters.
    expect(s.req_pool_empty).toBeGreaterThan(0);
    expect(stack.transport.xprt.pool!.available).toBe(18);
    expect(stack.transport.xprt.pendingRecycle.size).toBe(0);
  });
});
