import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSuite } from './support/client-suite.js';
import { buildNfsRdmaStack, type NfsRdmaStack } from './support/rdma-stack.js';

/*
 * The client suite again, on a fabric that loses ACKs and reorders packets (seeded, so every run
 * is the same run): the RC engine must retransmit, and every byte the suite checks must still be
 * right — READ data by RDMA Write, WRITE data by RDMA Read, long replies by reply chunk.
 */
let stack: NfsRdmaStack;
beforeAll(async () => {
  stack = await buildNfsRdmaStack({
    seed: 7,
    policies: 'linux-7.2',
    faults: {
      ackLoss: [
        { from: 'server', probability: 0.03 },
        { from: 'client', probability: 0.03 },
      ],
      rules: [
        {
          name: 'reorder-requests',
          match: { class: 'request' },
          action: { type: 'reorder', after: 2, maxHoldNs: 50_000 },
          probability: 0.02,
        },
        {
          name: 'reorder-read-responses',
          match: { class: 'read-response' },
          action: { type: 'reorder', after: 1, maxHoldNs: 50_000 },
          probability: 0.02,
        },
      ],
    },
  });
});
afterAll(async () => {
  await stack?.close();
});

clientSuite('the rdmalab server over RDMA with lost ACKs and reordered packets (seed 7)', ({ cacheBytes }) =>
  stack.mount({ cacheBytes }),
);

describe('the faults the suite ran through', () => {
  it('lost ACKs, reordered packets and made both hosts retransmit', () => {
    const fired = Object.fromEntries(stack.fabric.ruleStats().map((r) => [r.name, r.fired]));
    expect(fired['reorder-requests']).toBeGreaterThan(0);
    expect(fired['reorder-read-responses']).toBeGreaterThan(0);
    expect(stack.fabric.stats.dropped).toBeGreaterThan(0); // the lost ACKs
    expect(stack.fabric.stats.reordered).toBeGreaterThan(0);
    const retransmitted =
      stack.clientHost.device.counters.get('roce.retransmitted_packets') +
      stack.serverHost.device.counters.get('roce.retransmitted_packets');
    expect(retransmitted).toBeGreaterThan(0);
    const chunks = stack.clientStats();
    expect(chunks.read_chunk_count).toBeGreaterThan(0);
    expect(chunks.write_chunk_count).toBeGreaterThan(0);
    expect(chunks.reply_chunk_count).toBeGreaterThan(0);
  });
});
