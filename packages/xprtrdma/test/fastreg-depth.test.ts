import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { checkNoSendQueueOverflow, type PolicySpec, SCENARIO_PRESETS } from '../src/index.js';
import { chunkProcedures, PROC_READ, pattern, readPages } from './support/procedures.js';
import { buildStack, runCalls, type Stack } from './support/stack.js';

const LENGTH = 256 * 1024;
const CONCURRENT = 16;

async function run(spec: PolicySpec) {
  let stack: Stack | undefined;
  stack = await buildStack({
    spec,
    // mlx5-like retirement; 8 pages per MR: a 256 KiB write chunk takes 8 MRs.
    clientHost: { memoryPages: 4096, sqRetirement: 'signaled-only', attrs: { maxFastRegPageListLen: 8 } },
    serverHost: { memoryPages: 4096 },
    client: { maxRequests: CONCURRENT },
    procedures: chunkProcedures(() => stack!.serverHost.memory),
  });
  const memory = stack.clientHost.memory;
  const dsts = Array.from({ length: CONCURRENT }, (_, i) => ({
    pages: memory.allocPages(LENGTH / 4096, `client:read-dst${i}`),
    base: 0,
    length: LENGTH,
  }));
  const results = await runCalls(
    stack,
    dsts.map((dst, i) =>
      stack!.client.call({
        proc: PROC_READ,
        encodeArgs: (enc) => {
          enc.writeUint(LENGTH);
          enc.writeUint(i);
        },
        replyPages: dst,
        replyHeadBytes: 12,
        decodeResult: (dec) => {
          dec.readUint('count');
          dec.readBool('eof');
          return dec.readOpaqueInto('data', dst);
        },
      }),
    ),
    5_000_000_000,
  );
  return { stack, results, dsts };
}

describe('fastreg-sq-wrap: many FastRegs per RPC on an mlx5-like Send Queue (see BatchSignaling: why it cannot wrap here)', () => {
  it('8-page MRs: each 256 KiB READ chains 8 FastRegs before its Send; counting Sends or WRs, the ring and MR pool keep the Send Queue from overflowing', async () => {
    for (const spec of [
      SCENARIO_PRESETS['fastreg-sq-wrap'].broken,
      SCENARIO_PRESETS['fastreg-sq-wrap'].fixed,
    ]) {
      const { stack, results, dsts } = await run(spec);
      const xprt = stack.transport.xprt;
      const s = xprt.stats;
      expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
      expect(s.post_send_enomem).toBe(0);
      expect(checkNoSendQueueOverflow(xprt)).toEqual([]);
      expect(readPages(dsts[3]!, LENGTH)).toEqual(pattern(LENGTH, 3));
      // 8 MRs per READ against a pool of 3 × 16: some RPCs waited for MRs (EAGAIN), as the kernel's do.
      expect(s.write_chunk_count).toBe(CONCURRENT);
      expect(s.mr_exhausted).toBeGreaterThan(0);
      // Counting Sends leaves posts of 9 WRs unsignaled; counting WRs signals each (9 > batch 2).
      if (spec.signaling.counting === 'sends') expect(s.unsignaled_sends).toBeGreaterThan(0);
      else expect(s.unsignaled_sends).toBe(0);
    }
  });
});
