import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import {
  checkNoExposures,
  checkNoSendQueueOverflow,
  checkRingQuiescent,
  type PolicySpec,
  SCENARIO_PRESETS,
  type Violation,
  watchRequestReuse,
} from '../src/index.js';
import {
  chunkProcedures,
  decodeWriteResult,
  PROC_WRITE,
  pagesWith,
  pattern,
  writeArgs,
} from './support/procedures.js';
import {
  buildStack,
  decodeEcho,
  echoArgs,
  PROC_ECHO,
  runCalls,
  type Stack,
  type StackOptions,
} from './support/stack.js';

const ACK_FROM_SERVER = { from: 'server', to: 'client', class: 'ack' } as const;

function echo(stack: Stack, i: number, size = 100) {
  return stack.client.call({
    proc: PROC_ECHO,
    encodeArgs: echoArgs(new Uint8Array(size).fill(i & 0xff)),
    replyMaxBytes: size + 64,
    decodeResult: decodeEcho,
  });
}

/** Sample I5 every `everyNs` while `run` is in progress. */
function sampleRing(stack: Stack, everyNs: number, untilNs: number): Violation[] {
  const found: Violation[] = [];
  const tick = (): void => {
    const ring = stack.transport.xprt.ring;
    const inFlight = ring?.outstanding ?? 0;
    found.push(...checkRingQuiescent(ring, inFlight).filter((v) => v.message.includes('lost wake-up')));
    if (stack.fabric.scheduler.now() < untilNs) stack.fabric.scheduler.setTimer(everyNs, tick, 'test.sample');
  };
  stack.fabric.scheduler.setTimer(everyNs, tick, 'test.sample');
  return found;
}

describe('sendctx-exhaustion: Send completions delayed while credits allow more', () => {
  const run = async (spec: PolicySpec) => {
    const stack = await buildStack({
      spec,
      fabric: { faults: { rules: [{ match: ACK_FROM_SERVER, action: { type: 'delay', ns: 3_000_000 } }] } },
    });
    const results = await runCalls(
      stack,
      Array.from({ length: 300 }, (_, i) => echo(stack, i)),
    );
    return { stack, results, i3: checkNoSendQueueOverflow(stack.transport.xprt) };
  };

  it('without the ring the Send Queue overflows (ENOMEM); with it the sender waits and every RPC completes', async () => {
    const bad = await run(SCENARIO_PRESETS['sendctx-exhaustion'].broken);
    expect(bad.i3).toHaveLength(1);
    expect(bad.stack.transport.xprt.stats.post_send_enomem).toBeGreaterThan(0);

    const good = await run(SCENARIO_PRESETS['sendctx-exhaustion'].fixed);
    expect(good.i3).toEqual([]);
    expect(good.results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(good.stack.transport.xprt.stats.empty_sendctx_q).toBeGreaterThan(0);
    expect(good.stack.transport.xprt.stats.disconnects).toBe(0);
  });
});

describe('empty-ring-wakeup-race: the flag-bit wake-up loses a wake-up', () => {
  const run = async (spec: PolicySpec) => {
    const stack = await buildStack({
      spec,
      flagBitSleepAfterNs: 20_000,
      fabric: { faults: { rules: [{ match: ACK_FROM_SERVER, action: { type: 'delay', ns: 200_000 } }] } },
    });
    const start = stack.fabric.scheduler.now();
    const lost = sampleRing(stack, 50_000, start + 20_000_000);
    const results = await runCalls(
      stack,
      Array.from({ length: 200 }, (_, i) => echo(stack, i)),
    );
    return { stack, results, lost, elapsedNs: stack.fabric.scheduler.now() - start };
  };

  it('flag-bit leaves writers asleep with free slots until the RPC timeout; unconditional never does', async () => {
    const bad = await run(SCENARIO_PRESETS['empty-ring-wakeup-race'].broken);
    expect(bad.lost.length).toBeGreaterThan(0);
    // Recovered only by the RPC retransmit timer (200 ms).
    expect(bad.elapsedNs).toBeGreaterThan(200_000_000);

    const good = await run(SCENARIO_PRESETS['empty-ring-wakeup-race'].fixed);
    expect(good.lost).toEqual([]);
    expect(good.results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(good.elapsedNs).toBeLessThan(50_000_000);
  });
});

describe('inline-buffer-recycle: a Reply recycles the request while its Send is retransmitted', () => {
  const run = async (spec: PolicySpec) => {
    const stack = await buildStack({ spec });
    // ACKs are cumulative: lose every ACK for a while, so the first Call is retransmitted.
    const t0 = stack.fabric.scheduler.now();
    stack.fabric.addAckLoss({ from: 'server', to: 'client', window: { startNs: t0, endNs: t0 + 1_000_000 } });
    const xprt = stack.transport.xprt;
    const reuse = watchRequestReuse(xprt, () => stack.fabric.scheduler.now());
    const alloc = stack.transport.allocSlot.bind(stack.transport);
    stack.transport.allocSlot = () => {
      const slot = alloc();
      if (slot !== null) reuse.check(slot);
      return slot;
    };
    const first = await runCalls(stack, [echo(stack, 1, 600)]);
    const second = await runCalls(stack, [echo(stack, 2, 600)]);
    await stack.fabric.settle(() => false, { timeoutNs: 500_000_000 });
    return {
      stack,
      ok: [...first, ...second].every((r) => r.status === 'fulfilled'),
      i7: reuse.violations,
      i2: checkNoExposures(stack.fabric.tap!.exposures),
    };
  };

  it('conditional reference (5.3-7.1) reuses the send buffer under the retransmission; recycling gated on the Send (7.2) does not', async () => {
    const bad = await run(SCENARIO_PRESETS['inline-buffer-recycle'].broken);
    expect(bad.ok).toBe(true);
    expect(bad.i7.length).toBeGreaterThan(0);
    expect(bad.i2.length).toBeGreaterThan(0);

    const good = await run(SCENARIO_PRESETS['inline-buffer-recycle'].fixed);
    expect(good.ok).toBe(true);
    expect(good.i7).toEqual([]);
    expect(good.i2).toEqual([]);
  });
});

describe('prep-failure-slot-leak: DMA-map failures during Send preparation', () => {
  const run = async (spec: PolicySpec) => {
    let stack: Stack | undefined;
    const opts: StackOptions = { spec, procedures: chunkProcedures(() => stack!.serverHost.memory) };
    stack = await buildStack(opts);
    const now = stack.fabric.scheduler.now();
    stack.fabric.addDmaMapFailure({ host: 'client', window: { startNs: now, endNs: now + 2_000_000 } });
    const data = pattern(500, 1);
    const pages = pagesWith(stack.clientHost.memory, data, 'file');
    const call = (): Promise<unknown> =>
      stack!.client.call({
        proc: PROC_WRITE,
        encodeArgs: writeArgs(pages, data.length),
        replyMaxBytes: 128,
        decodeResult: decodeWriteResult,
      });
    const results = await runCalls(stack, [call(), call(), call()], 3_000_000_000);
    const ring = stack.transport.xprt.ring;
    return {
      stack,
      results,
      leaked: checkRingQuiescent(ring, 0).filter((v) => v.message.includes('leaked')),
    };
  };

  it('leaving the slot leaks the ring until nothing can be posted; unget recovers once mapping works again', async () => {
    const bad = await run(SCENARIO_PRESETS['prep-failure-slot-leak'].broken);
    expect(bad.stack.transport.xprt.stats.prepsend_failed).toBeGreaterThan(0);
    expect(bad.results.some((r) => r.status !== 'fulfilled')).toBe(true);
    expect(bad.leaked.length).toBe(1);

    const good = await run(SCENARIO_PRESETS['prep-failure-slot-leak'].fixed);
    expect(good.stack.transport.xprt.stats.prepsend_failed).toBeGreaterThan(0);
    expect(good.results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(good.leaked).toEqual([]);
  });
});
