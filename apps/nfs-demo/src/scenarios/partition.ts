import { PRESETS, SCENARIO_PRESETS } from '@rdmalab/xprtrdma';
import { createFile, pagesHolding, readOverWire, writeFromPages } from '../stack/nfs-file-io.js';
import { intact, patternBytes, textBytes } from '../stack/payload.js';
import { describeBreakage } from './outcome-text.js';
import type { Scenario } from './scenario.js';

/** IBA local ACK timeout 4.096 µs × 2^14 (the CM's default exponent): when the HCA retransmits. */
const ACK_TIMEOUT_NS = 67_108_864;
/** The server HCA is slow to transmit: its Reply leaves 4 ms after the ACK of the Call. */
const SERVER_TX_NS = 4_000_000;
/** Short flap: just over one ACK timeout, well inside the retry budget (7 tries × 67 ms). */
const FLAP_NS = ACK_TIMEOUT_NS + 2_000_000;
/** Long outage: longer than the whole retry budget. */
const OUTAGE_NS = 900_000_000;

/**
 * The seed's "network partition": the link goes down just after Alice's WRITE reached the
 * server, taking its ACK and the server's first Reply with it. The client retransmits its Send
 * into the dead link; the link comes back; the server's Reply retransmission gets through first
 * and completes the RPC while the client's Send still waits for its next retry — the delayed Send
 * completion. Then a long outage, beyond the retry budget: RETRY_EXC_ERR, flush, reconnect, RPC
 * retransmission. No data may be lost.
 */
export const partition: Scenario = {
  name: 'partition',
  title: 'link down shorter, then longer, than the retry budget: delayed completion, then reconnect',
  invariants: ['I1', 'I2'],
  defaultIommu: 'passthrough',
  broken: {
    label: 'linux-4.14: unmap and release Send memory when the Reply arrives',
    spec: PRESETS['linux-4.14'],
  },
  fixed: {
    label: 'linux-7.2: the RPC waits for its Send; flush, reconnect and retransmit on a lost connection',
    spec: SCENARIO_PRESETS['delayed-send-completion'].fixed,
  },
  setup: 'link down 69 ms right after a WRITE reaches the server (retry budget 470 ms), later down 900 ms',
  stackOptions: () => ({ maxRequests: 16, serverProcessing: { txNs: SERVER_TX_NS } }),
  async workload({ stack, session, run }) {
    const memory = stack.clientHost.memory;
    const fabric = stack.fabric;
    const aliceFh = await run(createFile(session, 'alice.txt'), 'CREATE alice');
    const bobFh = await run(createFile(session, 'bob.db'), 'CREATE bob');
    const carolFh = await run(createFile(session, 'carol.bin'), 'CREATE carol');
    const alice = textBytes('alice: minutes of the board meeting, confidential. ', 2048);
    const bob = textBytes('bob: payroll.db -- SSN 078-05-1120, salary 250000. ', 4096);
    const carol = patternBytes(2048, 3);

    // Act 1: a flap shorter than the retry budget.
    const alicePages = pagesHolding(memory, alice, 'nfs:/alice.txt#0');
    const t0 = stack.scheduler.now();
    // The Call is transmitted at t0; the flap starts 1 ns behind it and takes its ACK (t0 + 1.4 µs).
    fabric.addPartition({
      between: ['client', 'server'],
      window: { startNs: t0 + 1, endNs: t0 + FLAP_NS },
    });
    await run(writeFromPages(session, aliceFh, 0, alicePages, alice.length, 'alice.txt'), 'WRITE alice');
    const aliceMs = (stack.scheduler.now() - t0) / 1e6;
    for (const p of alicePages) memory.free(p);
    // Bob writes his file into the page cache (dirty; written back later): the next free frame.
    const bobPages = pagesHolding(memory, bob, 'nfs:/bob.db#0');
    await fabric.settle(() => false, { timeoutNs: 300_000_000 });
    await run(writeFromPages(session, bobFh, 0, bobPages, bob.length, 'bob.db'), 'WRITE bob');

    // Act 2: an outage longer than the retry budget, with a 2 KiB WRITE in flight.
    const carolPages = pagesHolding(memory, carol, 'nfs:/carol.bin#0');
    const t1 = stack.scheduler.now();
    fabric.addPartition({
      between: ['client', 'server'],
      window: { startNs: t1 + 1, endNs: t1 + OUTAGE_NS },
    });
    await run(
      writeFromPages(session, carolFh, 0, carolPages, carol.length, 'carol.bin'),
      'WRITE carol',
      60_000_000_000,
    );
    const carolMs = (stack.scheduler.now() - t1) / 1e6;

    const backs = [
      intact(
        await run(readOverWire(session, memory, aliceFh, 0, alice.length, 'alice.txt'), 'READ alice'),
        alice,
      ),
      intact(await run(readOverWire(session, memory, bobFh, 0, bob.length, 'bob.db'), 'READ bob'), bob),
      intact(
        await run(readOverWire(session, memory, carolFh, 0, carol.length, 'carol.bin'), 'READ carol'),
        carol,
      ),
    ];
    for (const p of [...bobPages, ...carolPages]) memory.free(p);
    return {
      dataVerified: backs.every(Boolean),
      facts: { aliceWriteMs: Number(aliceMs.toFixed(3)), carolWriteMs: Number(carolMs.toFixed(3)) },
    };
  },
  explain(r) {
    return [
      `Act 1: the link went down for ${(FLAP_NS / 1e6).toFixed(0)} ms just after Alice's WRITE reached the server, taking its ACK and the Reply.`,
      `The client's first retry died in the outage; the server's Reply retry got through first, so the RPC completed (${r.facts.aliceWriteMs} ms) while the client HCA still owed the Send a retry.`,
      `Act 2: the link went down for ${OUTAGE_NS / 1e6} ms, longer than the retry budget: RETRY_EXC_ERR, flush, ${r.connectionLosses} connection loss(es), reconnect, ${r.rpcs.retransmitted} RPC retransmission(s); Carol's 2 KiB WRITE completed after ${r.facts.carolWriteMs} ms.`,
      ...describeBreakage(r),
    ];
  },
};
