import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import {
  checkNoSendQueueOverflow,
  type FastregWrapConfiguration,
  fastregWrapConfiguration,
  type PolicySpec,
} from '../src/index.js';
import {
  chunkProcedures,
  decodeWriteResult,
  PROC_WRITE,
  pagesWith,
  pattern,
  sum,
  writeArgs,
} from './support/procedures.js';
import { buildStack, runCalls, type Stack } from './support/stack.js';

async function run(config: FastregWrapConfiguration, spec: PolicySpec) {
  let stack: Stack | undefined;
  stack = await buildStack({
    spec,
    clientHost: {
      memoryPages: 8192,
      sqRetirement: config.sqRetirement,
      attrs: { maxFastRegPageListLen: config.clientDevice.maxFastRegPageListLen },
    },
    serverHost: { memoryPages: 8192 },
    client: { maxRequests: config.client.maxRequests },
    server: { sendWithInvalidate: config.workload.sendWithInvalidate },
    procedures: chunkProcedures(() => stack!.serverHost.memory),
  });
  const { count, bytes } = config.workload;
  const memory = stack.clientHost.memory;
  const sources = Array.from({ length: count }, (_, i) =>
    pagesWith(memory, pattern(bytes, i), `client:write-src${i}`),
  );
  const results = await runCalls(
    stack,
    sources.map((pages) =>
      stack!.client.call({
        proc: PROC_WRITE,
        encodeArgs: writeArgs(pages, bytes),
        decodeResult: decodeWriteResult,
      }),
    ),
    60_000_000_000,
  );
  const intact = results.filter(
    (r, i) => r.status === 'fulfilled' && r.value.length === bytes && r.value.sum === sum(pattern(bytes, i)),
  ).length;
  return { stack, xprt: stack.transport.xprt, intact };
}

describe('fastreg-sq-wrap (Linux 2021 "Avoid Send Queue wrapping") on the pre-ring countdown, mlx5-like retirement', () => {
  const config = fastregWrapConfiguration;

  it('counting Sends only: 2 WRs per post against a countdown of 55 Sends overflows the 113-slot Send Queue (ENOMEM, I3); the RPCs survive only by reconnect and retransmission', async () => {
    const { stack, xprt, intact } = await run(config, config.broken);
    const s = xprt.stats;
    expect(xprt.ep?.sizing.maxSendWr).toBe(config.expected.maxSendWr);
    expect(s.read_chunk_count).toBeGreaterThanOrEqual(config.workload.count);
    expect(s.post_send_enomem).toBeGreaterThan(0);
    expect(checkNoSendQueueOverflow(xprt).map((v) => v.invariant)).toEqual(['I3']);
    const errs = stack.trace.events().filter((e) => e.name === 'post_send_err');
    expect(errs.length).toBe(s.post_send_enomem);
    expect(errs.every((e) => e.fields.code === 'ENOMEM')).toBe(true);
    // Each overflow cost the connection: the posted WRs were flushed and the RPCs resent.
    expect(s.disconnects).toBe(s.post_send_enomem);
    expect(s.connects).toBe(s.disconnects + 1);
    // Every WRITE eventually completed, its data intact, on a later connection.
    expect(intact).toBe(config.workload.count);
    // Runs of unsignaled Sends longer than the Send Queue can hold at 2 WRs each.
    expect(s.unsignaled_sends / Math.max(1, s.signaled_sends)).toBeGreaterThan(config.expected.batch / 2);
  });

  it('counting every WR (the 2021 fix): signaled every 28 posts, the same workload never fills the Send Queue; one connection, data intact', async () => {
    const { xprt, intact } = await run(config, config.fixed);
    const s = xprt.stats;
    expect(s.post_send_enomem).toBe(0);
    expect(checkNoSendQueueOverflow(xprt)).toEqual([]);
    expect(s.disconnects).toBe(0);
    expect(s.connects).toBe(1);
    expect(intact).toBe(config.workload.count);
    expect(s.signaled_sends).toBeGreaterThan(0);
  });
});
