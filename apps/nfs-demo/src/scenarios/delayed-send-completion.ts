import { SCENARIO_PRESETS } from '@rdmalab/xprtrdma';
import { createFile, pagesHolding, readOverWire, writeFromPages } from '../stack/nfs-file-io.js';
import { intact, textBytes } from '../stack/payload.js';
import { describeBreakage } from './outcome-text.js';
import type { Scenario } from './scenario.js';

const ALICE = 'alice-report.txt';
const BOB = 'bob-payroll.db';
const ALICE_TEXT = 'alice: Q3 report, draft 2 -- revenue up 4%, churn flat. ';
const BOB_TEXT = 'bob: payroll.db -- SSN 078-05-1120, salary 250000. ';
/** ACKs from the server are lost this long: longer than nothing, shorter than one ACK timeout (67 ms). */
const ACK_LOSS_NS = 60_000_000;

/**
 * The seed (Linux ae72950abf99 / 01bb35c89d90, 2017). Alice's 2 KiB WRITE goes inline, its page
 * DMA-mapped into the Send. The server stores it and replies at once, but its ACKs are lost for
 * 60 ms, so the client HCA still owns the Send and retransmits it after the 67 ms local ACK
 * timeout — re-reading the page. Releasing the page when the Reply arrives hands it to the next
 * user (Bob's payroll file, LIFO reuse) before that retransmission.
 */
export const delayedSendCompletion: Scenario = {
  name: 'delayed-send-completion',
  title: "the seed: the Reply completes the RPC while the HCA still retries the Call's Send",
  invariants: ['I1', 'I2'],
  defaultIommu: 'passthrough',
  broken: {
    label: 'linux-4.14: unmap and release Send memory when the Reply arrives',
    spec: SCENARIO_PRESETS['delayed-send-completion'].broken,
  },
  fixed: {
    label: 'linux-7.2: the RPC waits for its Send to complete when the Send mapped pages',
    spec: SCENARIO_PRESETS['delayed-send-completion'].fixed,
  },
  setup: 'server ACKs lost for 60 ms around one 2 KiB inline NFS WRITE (local ACK timeout 67 ms)',
  stackOptions: () => ({}),
  async workload({ stack, session, run }) {
    const memory = stack.clientHost.memory;
    const aliceFh = await run(createFile(session, ALICE), 'CREATE alice');
    const bobFh = await run(createFile(session, BOB), 'CREATE bob');
    const alice = textBytes(ALICE_TEXT, 2048);
    const bob = textBytes(BOB_TEXT, 4096);
    const alicePages = pagesHolding(memory, alice, `nfs:/${ALICE}#0`);
    const now = stack.scheduler.now();
    stack.fabric.addAckLoss({
      from: 'server',
      to: 'client',
      window: { startNs: now, endNs: now + ACK_LOSS_NS },
    });
    const postedAt = stack.scheduler.now();
    await run(writeFromPages(session, aliceFh, 0, alicePages, alice.length, ALICE), 'WRITE alice');
    const aliceDoneMs = (stack.scheduler.now() - postedAt) / 1e6;
    // The page cache drops Alice's clean page; Bob's write takes the next free frame — the same one.
    for (const p of alicePages) memory.free(p);
    const bobPages = pagesHolding(memory, bob, `nfs:/${BOB}#0`);
    const reused = bobPages[0]!.phys === alicePages[0]!.phys;
    await run(writeFromPages(session, bobFh, 0, bobPages, bob.length, BOB), 'WRITE bob');
    // Let the retransmission happen before reading back.
    await stack.fabric.settle(() => false, { timeoutNs: 200_000_000 });
    const aliceBack = await run(readOverWire(session, memory, aliceFh, 0, alice.length, ALICE), 'READ alice');
    const bobBack = await run(readOverWire(session, memory, bobFh, 0, bob.length, BOB), 'READ bob');
    for (const p of bobPages) memory.free(p);
    return {
      dataVerified: intact(aliceBack, alice) && intact(bobBack, bob),
      facts: {
        aliceWriteMs: Number(aliceDoneMs.toFixed(3)),
        pageReusedByBob: reused,
        ackLossMs: ACK_LOSS_NS / 1e6,
      },
    };
  },
  explain(r) {
    const lines = [
      `Alice's 2 KiB WRITE went out as a Send from her DMA-mapped page; the server replied at once but its ACKs were lost for ${r.facts.ackLossMs} ms,`,
      `so the HCA still owned the Send when the Reply arrived. The RPC completed after ${r.facts.aliceWriteMs} ms.`,
    ];
    lines.push(...describeBreakage(r));
    if (r.held && Number(r.counters.reply_waits_for_send) > 0)
      lines.push(
        `The RPC waited for its Send (reply_waits_for_send ${r.counters.reply_waits_for_send}): the page stayed Alice's until the HCA was done with it.`,
      );
    return lines;
  },
};
