import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../src/index.js';
import { buildStack, decodeEcho, echoArgs, PROC_ECHO, runCalls } from './support/stack.js';

describe('client and server over the simulated HCA', () => {
  it('connects through the CM, negotiates 4096-byte inline thresholds and echoes small RPCs', async () => {
    const stack = await buildStack({ spec: PRESETS['linux-7.2'] });
    expect(stack.transport.connected).toBe(true);
    expect(stack.transport.xprt.ep?.inline).toEqual({
      inlineSend: 4096,
      inlineRecv: 4096,
      peerAcceptsInvalidate: false,
    });
    const payloads = Array.from({ length: 40 }, (_, i) => new Uint8Array(100).fill(i));
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
    );
    for (const [i, r] of results.entries()) {
      expect(r.status).toBe('fulfilled');
      if (r.status === 'fulfilled') expect(r.value).toEqual(payloads[i]);
    }
    const s = stack.transport.xprt.stats;
    expect(s.sends).toBe(40);
    expect(s.rpcs_completed).toBe(40);
    expect(s.read_chunk_count + s.write_chunk_count + s.reply_chunk_count).toBe(0);
    // credits: the server granted 32, clamped to our 16
    expect(stack.transport.xprt.credits).toBe(16);
  });
});
