import 'reflect-metadata';
import type { IommuModel } from '@rdmalab/hca-sim';
import { describe, expect, it } from 'vitest';
import { checkNoDmaFaults, checkNoExposures, type PolicySpec, SCENARIO_PRESETS } from '../src/index.js';
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

const { broken, fixed } = SCENARIO_PRESETS['delayed-send-completion'];

/**
 * The seed's bug: the server's ACK of the client's Call is lost, so the client HCA retransmits
 * the Send after its ACK timeout; the Reply arrives first. The caller then reuses the page its
 * WRITE data was in (another file's secret lands in it, LIFO page reuse).
 */
async function run(spec: PolicySpec, iommu: IommuModel) {
  let stack: Stack | undefined;
  stack = await buildStack({
    spec,
    clientHost: { iommu },
    fabric: { faults: { ackLoss: [{ from: 'server', to: 'client', nth: 1, count: 1 }] } },
    procedures: chunkProcedures(() => stack!.serverHost.memory),
  });
  const memory = stack.clientHost.memory;
  const data = pattern(1000, 4);
  const pages = pagesWith(memory, data, 'file-A');
  const [r] = await runCalls(stack, [
    stack.client.call({
      proc: PROC_WRITE,
      encodeArgs: writeArgs(pages, data.length),
      replyMaxBytes: 128,
      decodeResult: decodeWriteResult,
    }),
  ]);
  // The RPC is complete: the page cache frees the page and another file reuses it at once.
  memory.free(pages[0]!);
  const secret = memory.alloc('file-B:secret');
  secret.bytes.fill(0x5a);
  await stack.fabric.settle(() => false, { timeoutNs: 2_000_000_000 });
  const tap = stack.fabric.tap!;
  return {
    r,
    stack,
    data,
    faults: checkNoDmaFaults(tap.dmaFaults),
    exposures: checkNoExposures(tap.exposures),
  };
}

describe('delayed-send-completion (the seed)', () => {
  it('strict IOMMU: release-on-reply faults the retransmission (LOC_PROT_ERR, connection lost); waiting for the Send does not', async () => {
    const bad = await run(broken, 'strict');
    expect(bad.r).toEqual({ status: 'fulfilled', value: { length: 1000, sum: sum(bad.data) } });
    expect(bad.faults.length).toBeGreaterThan(0);
    expect(bad.stack.transport.xprt.stats.disconnects).toBeGreaterThan(0);

    const good = await run(fixed, 'strict');
    expect(good.r.status).toBe('fulfilled');
    expect(good.faults).toEqual([]);
    expect(good.stack.transport.xprt.stats.disconnects).toBe(0);
    expect(good.stack.transport.xprt.stats.reply_waits_for_send).toBe(1);
  });

  it("passthrough: release-on-reply puts the next owner's bytes on the wire; waiting for the Send does not", async () => {
    const bad = await run(broken, 'passthrough');
    expect(bad.exposures.length).toBeGreaterThan(0);
    expect(bad.exposures[0]!.owners).toContain('file-B:secret');

    const good = await run(fixed, 'passthrough');
    expect(good.exposures).toEqual([]);
    expect(good.faults).toEqual([]);
  });
});
