import { SCENARIO_PRESETS } from '@rdmalab/xprtrdma';
import { describeBreakage } from './outcome-text.js';
import { parallelWrites } from './parallel-writes.js';
import type { Scenario } from './scenario.js';

/**
 * Linux 2019 "Fix occasional transport deadlock": an empty ring set a flag bit and the completion
 * handler woke writers only if it could clear that bit. The RPC layer takes a moment (here 20 µs)
 * between hearing "try again" and sleeping on write space; a completion in that moment clears
 * the bit with nobody asleep, and the writer then sleeps with the ring free — until the RPC
 * retransmit timer. The fix waits for write space directly and wakes on every put.
 */
export const emptyRingWakeupRace: Scenario = {
  name: 'empty-ring-wakeup-race',
  title: 'the flag-bit wake-up loses a wake-up and the transport stalls',
  invariants: ['I5'],
  defaultIommu: 'strict',
  broken: {
    label: 'linux-4.15–5.2: wake writers only if the empty-ring flag bit can be cleared',
    spec: SCENARIO_PRESETS['empty-ring-wakeup-race'].broken,
  },
  fixed: {
    label: 'linux-7.2: every ring put wakes writers unconditionally',
    spec: SCENARIO_PRESETS['empty-ring-wakeup-race'].fixed,
  },
  setup: 'every server ACK delayed 200 µs; 200 small NFS WRITEs at once; 20 µs before a writer sleeps',
  // A lost wake-up lasts until the RPC retransmit timer: 200 ms here, as in xprtrdma's own test.
  session: { timeout: { initialNs: 200_000_000, incrementNs: 200_000_000 } },
  stackOptions: () => ({
    maxRequests: 16,
    flagBitSleepAfterNs: 20_000,
    faults: {
      rules: [
        {
          name: 'late-acks',
          match: { from: 'server', to: 'client', class: 'ack' },
          action: { type: 'delay', ns: 200_000 },
        },
      ],
    },
  }),
  async workload(ctx) {
    const r = await parallelWrites(ctx, {
      name: 'burst.dat',
      count: 200,
      size: 256,
      timeoutNs: 60_000_000_000,
    });
    return {
      dataVerified: r.dataVerified,
      facts: { writes: 200, elapsedMs: Number((r.elapsedNs / 1e6).toFixed(3)) },
    };
  },
  explain(r) {
    return [
      `200 WRITEs drained the ring again and again (empty_sendctx_q ${r.counters.empty_sendctx_q}); each time a writer slept until a Send completion woke it.`,
      ...describeBreakage(r),
      `The burst took ${r.facts.elapsedMs} ms of virtual time${r.stalls > 0 ? ' — the lost wake-ups were only undone by the RPC retransmit timer' : ''}.`,
    ];
  },
};
