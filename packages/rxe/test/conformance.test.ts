import { classifyAeth, Opcode } from '@rdmalab/roce';
import type { ConformanceBackend, ConformanceHarness } from '@rdmalab/verbs/conformance';
import { defineConformanceSuite } from '@rdmalab/verbs/conformance';
import { RxeHost } from '../src/host/rxe-host.js';
import { waitUntil } from './real-time.js';
import { isRoot } from './tools.js';

// This file's own loopback addresses: test files run in parallel and each address has one port 4791.
const A = '127.0.1.1';
const B = '127.0.1.2';

/** Two rxe hosts on two loopback addresses per case; network faults through the UDP links' drop hooks. */
async function createHarness(): Promise<ConformanceHarness> {
  const a = new RxeHost({ ip: A, name: 'a', memoryPages: 256 });
  const b = new RxeHost({ ip: B, name: 'b', memoryPages: 256 });
  await Promise.all([a.ready, b.ready]);
  // The kit runs on the default sender: 'auto', which is the raw IPv4 socket when root.
  for (const host of [a, b])
    if (host.link.senderKind !== (isRoot ? 'raw' : 'dgram'))
      throw new Error(`${host.ip}: sender ${host.link.senderKind} (${host.link.rawUnavailableReason})`);
  const hosts = { a, b };
  return {
    a: { device: a.device, ip: a.ip },
    b: { device: b.device, ip: b.ip },
    settle: (predicate, { timeoutMs }) => waitUntil(predicate, timeoutMs),
    faults: {
      dropAcksFrom(from, { count, forMs }) {
        hosts[from].link.faults.add({
          direction: 'tx',
          match: (packet) =>
            packet.bth.opcode === Opcode.RC_ACKNOWLEDGE &&
            packet.aeth !== undefined &&
            classifyAeth(packet.aeth.syndrome).type === 'ACK',
          ...(count !== undefined && { count }),
          ...(forMs !== undefined && { forMs }),
        });
      },
      blackhole(forMs) {
        a.link.faults.add({ direction: 'tx', forMs });
        b.link.faults.add({ direction: 'tx', forMs });
      },
    },
    async dispose() {
      await Promise.all([a.close(), b.close()]);
    },
  };
}

const backend: ConformanceBackend = {
  name: 'rxe',
  // Linux rxe's completer retires every WQE when it completes, signaled or not.
  sqRetirement: 'each',
  createHarness,
};

defineConformanceSuite(backend);
