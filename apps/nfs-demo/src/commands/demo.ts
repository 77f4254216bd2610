import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { IommuModel } from '@rdmalab/hca-sim';
import { type Command, UsageError } from '../command.js';
import type { CliIo } from '../io.js';
import { ProgressBar } from '../output/progress.js';
import { runSeedStory, type SeedStoryResult, type SendLifetime } from '../story/seed-story.js';

const USAGE = `usage: rdmalab demo [--seed N] [--json] [--pcap FILE]

Runs the seed bug of Linux xprtrdma (2017) on the simulated RoCEv2 fabric, for real: an RPC Call
goes out as an RDMA Send from a DMA-mapped page, the server answers at once, and the server's ACKs
are lost for 50 ms, so the client's HCA retransmits the Send after its local ACK timeout, re-reading
the page. Each Send-memory policy runs under a strict IOMMU and without one (passthrough), then
once more with no faults to show what the fix costs.

  --seed N     fabric seed (default 1)
  --json       print one JSON object instead of the story
  --pcap FILE  write the capture of the passthrough run of the broken policy (open in Wireshark)

Exit status: 0 when the fixed policy held in every run, 1 when it did not, 2 on bad usage.`;

const ACK_LOSS_NS = 50_000_000;

interface Run {
  label: string;
  lifetime: SendLifetime;
  iommu: IommuModel;
  ackLossNs: number;
}

const RUNS: readonly Run[] = [
  {
    label: 'release on reply, strict IOMMU',
    lifetime: 'release-on-reply',
    iommu: 'strict',
    ackLossNs: ACK_LOSS_NS,
  },
  {
    label: 'release on reply, no IOMMU',
    lifetime: 'release-on-reply',
    iommu: 'passthrough',
    ackLossNs: ACK_LOSS_NS,
  },
  {
    label: 'wait for Send, strict IOMMU',
    lifetime: 'wait-for-send',
    iommu: 'strict',
    ackLossNs: ACK_LOSS_NS,
  },
  {
    label: 'wait for Send, no IOMMU',
    lifetime: 'wait-for-send',
    iommu: 'passthrough',
    ackLossNs: ACK_LOSS_NS,
  },
  { label: 'release on reply, no faults', lifetime: 'release-on-reply', iommu: 'strict', ackLossNs: 0 },
  { label: 'wait for Send, no faults', lifetime: 'wait-for-send', iommu: 'strict', ackLossNs: 0 },
];

/** The fixed policy held: the RPC completed, its data arrived intact, nothing faulted or leaked. */
export function heldUp(r: SeedStoryResult): boolean {
  return (
    r.rpcCompleted &&
    r.callDelivered &&
    !r.connectionLost &&
    r.exposures.length === 0 &&
    r.dmaFaults.every((f) => !f.faulted) &&
    r.sendStatus === 'SUCCESS'
  );
}

function ms(ns: number | null): string {
  if (ns === null) return '—';
  return ns < 1_000_000 ? `${(ns / 1e3).toFixed(2)} µs` : `${(ns / 1e6).toFixed(3)} ms`;
}

function verdict(r: SeedStoryResult): string {
  if (r.connectionLost) {
    const fault = r.dmaFaults.find((f) => f.faulted);
    return `BROKEN  the retransmission${fault ? ` at ${ms(fault.timeNs)} read an unmapped page` : ''} → Send ${r.sendStatus}; QP flushed, connection lost`;
  }
  const exposure = r.exposures[0];
  if (exposure) {
    return `BROKEN  the retransmission at ${ms(exposure.timeNs)} put ${exposure.differingBytes} bytes of "${exposure.owners.join(', ')}" on the wire\n          wire bytes: "${exposure.sample}"`;
  }
  if (heldUp(r)) {
    return r.replyWaitedForSendNs > 0
      ? `ok      the RPC waited ${ms(r.replyWaitedForSendNs)} after its Reply for the Send; no fault, nothing exposed`
      : `ok      RPC latency ${ms(r.rpcLatencyNs)}`;
  }
  return `FAILED  rpcCompleted=${r.rpcCompleted} callDelivered=${r.callDelivered} send=${r.sendStatus}`;
}

function toJson(r: SeedStoryResult, label: string) {
  const { pcap: _pcap, ...rest } = r;
  return { label, held: heldUp(r), ...rest };
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'the seed bug, broken and fixed, on the simulated fabric (start here)',
  usage: USAGE,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values } = parseArgs({
      args: [...args],
      options: { seed: { type: 'string' }, json: { type: 'boolean' }, pcap: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    });
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new UsageError(`--seed must be a non-negative integer, got "${values.seed}"`);

    const progress = new ProgressBar(io, 'demo', RUNS.length);
    const results: { run: Run; result: SeedStoryResult }[] = [];
    for (const run of RUNS) {
      if (io.signal.aborted) break;
      results.push({ run, result: await runSeedStory({ ...run, seed }) });
      progress.tick(1, run.label);
    }
    progress.finish();
    if (values.pcap) {
      const capture = results.find(
        (x) => x.run.lifetime === 'release-on-reply' && x.run.iommu === 'passthrough',
      );
      if (capture) writeFileSync(values.pcap, capture.result.pcap);
    }
    const fixedHeld = results
      .filter((x) => x.run.lifetime === 'wait-for-send')
      .every((x) => heldUp(x.result));
    const complete = results.length === RUNS.length;

    if (values.json) {
      io.out(
        JSON.stringify(
          { seed, fixedHeld, complete, runs: results.map((x) => toJson(x.result, x.run.label)) },
          null,
          2,
        ),
      );
      return fixedHeld && complete ? 0 : 1;
    }
    const lines = [
      'rdmalab demo — the bug behind Linux commit ae72950abf99 (xprtrdma sendctx, 2017), on a simulated RoCEv2 fabric',
      '',
      'An RPC Call leaves the client as an RDMA Send of a 2 KiB DMA-mapped page. The server has it at once and',
      'replies, but its ACKs are lost for 50 ms, so the client HCA still owns the Send: after its local ACK',
      'timeout (67 ms) it retransmits, re-reading the page from host memory.',
      '',
    ];
    for (const { run, result } of results) lines.push(`${run.label.padEnd(34)} ${verdict(result)}`);
    const fast = results.find((x) => x.run.ackLossNs === 0 && x.run.lifetime === 'release-on-reply')?.result;
    const fixedFast = results.find(
      (x) => x.run.ackLossNs === 0 && x.run.lifetime === 'wait-for-send',
    )?.result;
    lines.push('');
    lines.push(
      'Releasing the Send’s memory when the Reply arrives lets the HCA read memory that is no longer the RPC’s:',
    );
    lines.push(
      'with a strict IOMMU the connection dies; without one another tenant’s data goes on the wire.',
    );
    lines.push(
      'Waiting for the Send completion fixes it, and with no faults it costs nothing: the Send completes',
    );
    lines.push(
      `before the Reply arrives (RPC latency ${ms(fast?.rpcLatencyNs ?? null)} releasing on reply vs ${ms(fixedFast?.rpcLatencyNs ?? null)} waiting).`,
    );
    if (!complete) lines.push('', `Interrupted: ${results.length} of ${RUNS.length} runs completed.`);
    lines.push(
      '',
      fixedHeld ? 'The fixed policy held in every run.' : 'The fixed policy FAILED in at least one run.',
    );
    io.out(lines.join('\n'));
    return fixedHeld && complete ? 0 : 1;
  },
};
