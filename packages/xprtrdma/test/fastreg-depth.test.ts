import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import {
  checkNoSendQueueOverflow,
  mrsPerRefresh,
  type PolicySpec,
  PRESETS,
  sendWrDepth,
} from '../src/index.js';
import { chunkProcedures, PROC_READ, pattern, readPages } from './support/procedures.js';
import { buildStack, runCalls, type Stack } from './support/stack.js';

const LENGTH = 256 * 1024;
const CONCURRENT = 16;
const FR_DEPTH = 8;

async function run(spec: PolicySpec) {
  let stack: Stack | undefined;
  stack = await buildStack({
    spec,
    // mlx5-like retirement; 8 pages per MR: a 256 KiB write chunk takes 8 MRs.
    clientHost: {
      memoryPages: 4096,
      sqRetirement: 'signaled-only',
      attrs: { maxFastRegPageListLen: FR_DEPTH },
    },
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

const WITH_RING_SENDS: PolicySpec = {
  ...PRESETS['linux-7.2'],
  signaling: { formula: 'linux-5.3', counting: 'sends' },
};

describe('many FastRegs per RPC with the sendctx ring (see BatchSignaling: why neither counting wraps)', () => {
  it('sizes the Send Queue for the device fast-registration depth, as frwr_query_device does', () => {
    // 7 + 2 × ceil((256 − 8) / 8) = 69 WRs per RPC at 8 pages per MR; 7 at 256 pages or more.
    expect(sendWrDepth(FR_DEPTH)).toBe(69);
    expect(sendWrDepth(512)).toBe(7);
    // re_max_rdma_segs: ceil(256 / 8) + 2 = 34, capped at 16; ceil(256 / 512) + 2 = 3.
    expect(mrsPerRefresh(FR_DEPTH)).toBe(16);
    expect(mrsPerRefresh(512)).toBe(3);
  });

  it('grow-on-demand: 8-MR READs drain the 3-per-request pool, refreshes add MRs, both countings hold with data intact', async () => {
    for (const spec of [WITH_RING_SENDS, PRESETS['linux-7.2']]) {
      const { stack, results, dsts } = await run(spec);
      const xprt = stack.transport.xprt;
      const s = xprt.stats;
      expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
      expect(xprt.ep?.sizing.maxSendWr).toBe(CONCURRENT * 69 + 1);
      expect(s.post_send_enomem).toBe(0);
      expect(checkNoSendQueueOverflow(xprt)).toEqual([]);
      expect(readPages(dsts[3]!, LENGTH)).toEqual(pattern(LENGTH, 3));
      // The first RPCs found the pool dry ("try again"); each refresh created 16 MRs.
      expect(s.mr_exhausted).toBeGreaterThan(0);
      expect(s.mr_refresh_count).toBeGreaterThan(0);
      expect(s.mrs_allocated).toBe(CONCURRENT * 3 + 16 * s.mr_refresh_count);
      expect(stack.trace.events().some((r) => r.subsystem === 'xprtrdma' && r.name === 'createmrs')).toBe(
        true,
      );
      if (spec.signaling !== 'every-send' && spec.signaling.counting === 'sends')
        expect(s.unsignaled_sends).toBeGreaterThan(0);
      else expect(s.unsignaled_sends).toBe(0);
    }
  });

  it("fixed: the pool never grows; RPCs wait for other RPCs' MRs to be invalidated and still complete", async () => {
    const { stack, results, dsts } = await run({ ...PRESETS['linux-7.2'], mrPool: 'fixed' });
    const s = stack.transport.xprt.stats;
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(s.mr_exhausted).toBeGreaterThan(0);
    expect(s.mr_refresh_count).toBe(0);
    expect(s.mrs_allocated).toBe(CONCURRENT * 3);
    expect(readPages(dsts[15]!, LENGTH)).toEqual(pattern(LENGTH, 15));
  });
});
