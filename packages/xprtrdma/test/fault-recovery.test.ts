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
  it('a chunked WRITE retransmitted on a live connection, then a disconnect: no MR outlives the endpoint', async () => {
    // The server's Reply Sends are lost for 300 ms: the RPC times out (200 ms) and retransmits
    // over the same connection, registering its read chunk again; the server's RC retries then
    // run out and the connection drops. The first registration must not leak (PD dealloc EBUSY).
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
    // Teardown gives every MR back to the device: PD dealloc does not fail with EBUSY.
    await stack.transport.close();
    expect(stack.transport.xprt.ep).toBeNull();
  });
});
