import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../src/index.js';
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

describe('recovery from faults found by the randomized sweep (linux-7.2)', () => {
  it('a chunked WRITE retransmitted on a live connection invalidates its first registration; teardown frees every MR', async () => {
    // The server's requests (its RDMA Read, its Reply) are lost for 300 ms: the RPC times out
    // (200 ms) and retransmits over the same connection, registering its read chunk again. The
    // first registration must be invalidated, not left registered for good (sweep seeds 239, 243).
    let stack: Stack | undefined;
    stack = await buildStack({
      spec: PRESETS['linux-7.2'],
      fabric: {
        faults: {
          rules: [
            {
              name: 'lose-replies',
              match: { from: 'server', to: 'client', class: 'request', window: { endNs: 300_000_000 } },
              action: { type: 'drop' },
            },
          ],
        },
      },
      procedures: chunkProcedures(() => stack!.serverHost.memory),
    });
    const data = pattern(20480, 4);
    const pages = pagesWith(stack.clientHost.memory, data, 'client:page-cache');
    const [r] = await runCalls(stack, [
      stack.client.call({
        proc: PROC_WRITE,
        encodeArgs: writeArgs(pages, data.length),
        decodeResult: decodeWriteResult,
      }),
    ]);
    expect(r).toEqual({ status: 'fulfilled', value: { length: 20480, sum: sum(data) } });
    const stats = stack.transport.xprt.stats;
    expect(stats.read_chunk_count).toBeGreaterThanOrEqual(2);
    // Both registrations were invalidated: every MR is back in the pool.
    const frwr = stack.transport.xprt.ep!.frwr;
    expect(frwr.available).toBe(frwr.total);
    // Teardown gives every MR back to the device (PD dealloc would fail with EBUSY otherwise).
    let closed = false;
    void stack.transport.close().then(() => {
      closed = true;
    });
    await stack.fabric.settle(() => closed, { timeoutNs: 1_000_000_000 });
    expect(closed).toBe(true);
    expect(stats.teardown_errors).toBe(0);
  });
});
