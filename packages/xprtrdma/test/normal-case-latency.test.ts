import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { type PolicySpec, PRESETS, SCENARIO_PRESETS } from '../src/index.js';
import {
  chunkProcedures,
  decodeWriteResult,
  PROC_WRITE,
  pagesWith,
  pattern,
  writeArgs,
} from './support/procedures.js';
import { buildStack, type Stack } from './support/stack.js';

/** Per-RPC latency (virtual ns) of 60 sequential WRITE-type RPCs whose 1000-byte payload is gathered. */
async function latencies(spec: PolicySpec): Promise<{ lat: number[]; waits: number }> {
  let stack: Stack | undefined;
  stack = await buildStack({ spec, procedures: chunkProcedures(() => stack!.serverHost.memory) });
  const data = pattern(1000, 6);
  const pages = pagesWith(stack.clientHost.memory, data, 'file');
  const lat: number[] = [];
  for (let i = 0; i < 60; i++) {
    const start = stack.fabric.scheduler.now();
    let done = false;
    const p = stack.client
      .call({
        proc: PROC_WRITE,
        encodeArgs: writeArgs(pages, data.length),
        replyMaxBytes: 128,
        decodeResult: decodeWriteResult,
      })
      .then(() => {
        done = true;
      });
    await stack.fabric.settle(() => done);
    await p;
    lat.push(stack.fabric.scheduler.now() - start);
  }
  return { lat: lat.sort((a, b) => a - b), waits: stack.transport.xprt.stats.reply_waits_for_send };
}

describe("the normal case: waiting for the Send costs nothing (the seed's claim)", () => {
  it("with no faults, the RPC latency distribution of the fixed policy equals release-on-reply's, in virtual time", async () => {
    const fixed = SCENARIO_PRESETS['delayed-send-completion'].fixed;
    const releaseOnReply: PolicySpec = { ...fixed, sendLifetime: 'release-on-reply' };
    const a = await latencies(releaseOnReply);
    const b = await latencies(fixed);
    const twoOwner = await latencies(PRESETS['nvme-rdma']);
    expect(b.lat).toEqual(a.lat);
    expect(twoOwner.lat).toEqual(a.lat);
    // The Send always completed before the Reply arrived: nobody actually waited.
    expect(b.waits).toBe(0);
    expect(a.lat[0]).toBeGreaterThan(0);
  });
});
