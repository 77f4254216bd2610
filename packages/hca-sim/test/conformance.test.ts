import type { ConformanceBackend, ConformanceHarness } from '@rdmalab/verbs/conformance';
import { defineConformanceSuite } from '@rdmalab/verbs/conformance';
import { SimFabric } from '../src/fabric/sim-fabric.js';

const MS = 1_000_000;

/** A fresh two-host simulated fabric per case; network faults through the fabric's fault plan. */
function createHarness(): ConformanceHarness {
  const fabric = new SimFabric({ seed: 11, tap: false });
  const a = fabric.addHost('a', { ip: '10.0.0.1', iommu: 'strict', sqRetirement: 'signaled-only' });
  const b = fabric.addHost('b', { ip: '10.0.0.2', iommu: 'strict', sqRetirement: 'signaled-only' });
  return {
    a: { device: a.device, ip: a.ip },
    b: { device: b.device, ip: b.ip },
    settle: (predicate, { timeoutMs }) => fabric.settle(predicate, { timeoutNs: timeoutMs * MS }),
    faults: {
      dropAcksFrom(from, { count, forMs }) {
        const now = fabric.scheduler.now();
        fabric.addAckLoss({
          from,
          ...(count !== undefined && { count }),
          ...(forMs !== undefined && { window: { startNs: now, endNs: now + forMs * MS } }),
        });
      },
      blackhole(forMs) {
        const now = fabric.scheduler.now();
        fabric.addPartition({ between: ['a', 'b'], window: { startNs: now, endNs: now + forMs * MS } });
      },
    },
    dispose() {},
  };
}

const backend: ConformanceBackend = {
  name: 'hca-sim',
  sqRetirement: 'signaled-only',
  createHarness,
};

defineConformanceSuite(backend);
