import { SCENARIO_PRESETS } from '@rdmalab/xprtrdma';
import { createFile, pagesHolding, readOverWire, writeFromPages } from '../stack/nfs-file-io.js';
import { intact, textBytes } from '../stack/payload.js';
import { describeBreakage } from './outcome-text.js';
import type { Scenario } from './scenario.js';

const ACK_LOSS_NS = 1_000_000;

/**
 * Linux 7.2 (2026) "Decouple RPC completion from Send completion": since 5.3 a Send of only
 * pre-registered buffers (everything pulled up inline) took no Send-side reference, so the Reply
 * freed the request for reuse while the HCA might still retransmit from its send buffer. The next
 * RPC marshals into that buffer, and the retransmission carries the next RPC's bytes. The 7.2
 * text says no runtime reproducer had surfaced: this is one.
 */
export const inlineBufferRecycle: Scenario = {
  name: 'inline-buffer-recycle',
  title: "a Reply recycles the request while its Send is retransmitted: the next RPC's bytes go on the wire",
  invariants: ['I7', 'I2'],
  defaultIommu: 'strict',
  broken: {
    label: 'linux-5.13–7.1: conditional reference — none taken for an all-inline Send',
    spec: SCENARIO_PRESETS['inline-buffer-recycle'].broken,
  },
  fixed: {
    label: 'linux-7.2: request recycling gated on Send completion (RPC completion independent)',
    spec: SCENARIO_PRESETS['inline-buffer-recycle'].fixed,
  },
  setup: 'server ACKs lost for 1 ms; two 600-byte NFS WRITEs pulled up inline, one after the other',
  stackOptions: () => ({ maxRequests: 16 }),
  async workload({ stack, session, run }) {
    const memory = stack.clientHost.memory;
    const fh = await run(createFile(session, 'ledger.txt'), 'CREATE');
    const first = textBytes('carol: first entry, account 1111-2222. ', 600);
    const second = textBytes('dave: second entry, PIN 4321, account 9999-0000. ', 600);
    const now = stack.scheduler.now();
    stack.fabric.addAckLoss({
      from: 'server',
      to: 'client',
      window: { startNs: now, endNs: now + ACK_LOSS_NS },
    });
    const p1 = pagesHolding(memory, first, 'nfs:/ledger.txt#0');
    await run(writeFromPages(session, fh, 0, p1, first.length, 'ledger.txt'), 'WRITE 1');
    const p2 = pagesHolding(memory, second, 'nfs:/ledger.txt#1');
    await run(writeFromPages(session, fh, 4096, p2, second.length, 'ledger.txt'), 'WRITE 2');
    await stack.fabric.settle(() => false, { timeoutNs: 300_000_000 });
    const back1 = await run(readOverWire(session, memory, fh, 0, first.length, 'ledger.txt'), 'READ 1');
    const back2 = await run(readOverWire(session, memory, fh, 4096, second.length, 'ledger.txt'), 'READ 2');
    for (const p of [...p1, ...p2]) memory.free(p);
    return { dataVerified: intact(back1, first) && intact(back2, second), facts: {} };
  },
  explain(r) {
    return [
      "Carol's WRITE went out entirely from the request's pre-registered send buffer; its ACK was lost, the Reply was not.",
      "Dave's WRITE was marshalled next — into whatever request the pool handed out — while the HCA still owed Carol's Send a retransmission.",
      ...describeBreakage(r),
    ];
  },
};
