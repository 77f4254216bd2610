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
import { buildStack, decodeEcho, echoArgs, PROC_ECHO, runCalls, type Stack } from './support/stack.js';

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

describe('DMA-map failures during Send preparation under unget (linux-7.2)', () => {
  it('every retry advances virtual time: a 20 ms failure window costs a bounded number of failed preparations', async () => {
    let stack: Stack | undefined;
    stack = await buildStack({
      // Gather the page list into the Send (DMA-mapped per Send), so a map failure hits the SGEs.
      spec: { ...PRESETS['linux-7.2'], inlinePages: 'gather' },
      client: { maxRequests: 4 },
      procedures: chunkProcedures(() => stack!.serverHost.memory),
    });
    // One reply first: the server's credit grant opens the congestion window to 4 RPCs.
    const [warm] = await runCalls(stack, [
      stack.client.call({
        proc: PROC_ECHO,
        encodeArgs: echoArgs(new Uint8Array(8)),
        decodeResult: decodeEcho,
      }),
    ]);
    expect(warm?.status).toBe('fulfilled');
    const start = stack.fabric.scheduler.now();
    const windowNs = 20_000_000;
    stack.fabric.addDmaMapFailure({ host: 'client', window: { startNs: start, endNs: start + windowNs } });
    const data = pattern(500, 2);
    const pages = pagesWith(stack.clientHost.memory, data, 'client:file');
    let settled = 0;
    const results: unknown[] = [];
    for (let i = 0; i < 24; i++) {
      stack.client
        .call({
          proc: PROC_WRITE,
          encodeArgs: writeArgs(pages, data.length),
          replyMaxBytes: 128,
          decodeResult: decodeWriteResult,
        })
        .then(
          (v) => results.push(v),
          (e: unknown) => results.push(e),
        )
        .finally(() => settled++);
    }
    // A step budget instead of a deadline: a zero-time retry loop never reaches any deadline.
    let steps = 0;
    await stack.fabric.settle(() => settled === 24 || ++steps > 100_000, { timeoutNs: 5_000_000_000 });
    expect(steps).toBeLessThanOrEqual(100_000);
    expect(settled).toBe(24);
    expect(results).toEqual(Array.from({ length: 24 }, () => ({ length: 500, sum: sum(data) })));
    const failed = stack.transport.xprt.stats.prepsend_failed;
    expect(failed).toBeGreaterThan(0);
    // 64 quick retries, then a doubling delay: under a hundred failures, not one per 10 µs.
    expect(failed).toBeLessThan(200);
  });
});

describe('a disconnect while connecting (sweep seed 816)', () => {
  it('fails the pending connect, so the RPC client reconnects instead of waiting forever', async () => {
    const stack = await buildStack({ spec: PRESETS['linux-7.2'] });
    const xprt = stack.transport.xprt;
    let dropped = false;
    stack.transport.injectDisconnect();
    void xprt.ep!.torndown!.then(() => {
      dropped = true;
    });
    await stack.fabric.settle(() => dropped, { timeoutNs: 1_000_000_000 });
    let outcome: unknown = 'pending';
    const connecting = stack.transport.connect();
    connecting.then(
      () => {
        outcome = 'connected';
      },
      (error: unknown) => {
        outcome = error;
      },
    );
    await stack.fabric.settle(() => xprt.ep?.state === 'connecting', { timeoutNs: 1_000_000_000 });
    expect(xprt.ep?.state).toBe('connecting');
    stack.transport.injectDisconnect();
    await stack.fabric.settle(() => outcome !== 'pending', { timeoutNs: 1_000_000_000 });
    expect(outcome).toMatchObject({ code: 'ECONNRESET' });
    // The next RPC connects afresh and completes.
    const [r] = await runCalls(stack, [
      stack.client.call({ proc: PROC_ECHO, encodeArgs: echoArgs(pattern(16, 9)), decodeResult: decodeEcho }),
    ]);
    expect(r).toEqual({ status: 'fulfilled', value: pattern(16, 9) });
  });
});

describe('a Call that overtakes the RTU (sweep seeds 378, 845)', () => {
  it('the server holds it until ESTABLISHED and answers it, instead of dropping it until the RPC timer', async () => {
    // The client's RTU (its second CM packet, after the REQ) is 50 ms late: the client is
    // connected and sends at once, the server's connection is still waiting for the RTU.
    const stack = await buildStack({
      spec: PRESETS['linux-7.2'],
      fabric: {
        faults: {
          rules: [
            {
              name: 'late-rtu',
              match: { from: 'client', to: 'server', class: 'cm' },
              nth: 2,
              count: 1,
              action: { type: 'delay', ns: 50_000_000 },
            },
          ],
        },
      },
    });
    const sentAt = stack.fabric.scheduler.now();
    const [r] = await runCalls(stack, [
      stack.client.call({ proc: PROC_ECHO, encodeArgs: echoArgs(pattern(32, 5)), decodeResult: decodeEcho }),
    ]);
    expect(r).toEqual({ status: 'fulfilled', value: pattern(32, 5) });
    const elapsed = stack.fabric.scheduler.now() - sentAt;
    // Answered once the RTU is in (about 50 ms), not after the 200 ms RPC timeout's retransmission.
    expect(elapsed).toBeGreaterThan(40_000_000);
    expect(elapsed).toBeLessThan(200_000_000);
    expect(stack.transport.xprt.stats.sends).toBe(1);
    expect(stack.serverTransport.stats_.receives).toBe(1);
  });
});
