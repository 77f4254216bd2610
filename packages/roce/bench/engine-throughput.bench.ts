import { Mtu } from '@rdmalab/verbs';
import { bench, describe } from 'vitest';
import { SendStream } from './engine-send-stream.js';

// One iteration = 256 SENDs of 4 KiB (every 16th signaled) through requester, responder and
// completer over a trivial loopback link, with coalesced ACKs (one per message). Simulated packets
// per second = hz × the packets per iteration in the name. "recycled" = the link hands each packet
// back once delivered (SoftDevice.recyclePayload), as the simulated fabric does without a pcap; "kept"
// = every payload is fresh memory, as under a link that may keep packets. Both gather every packet
// from host memory through the IOMMU. Timed in process CPU time (this machine is shared and noisy):
// hz is iterations per CPU-second.
const PACKETS_4096 = 512; // 256 requests + 256 ACKs
const PACKETS_1024 = 1280; // 1024 requests + 256 ACKs

/** Process CPU time in ms (user + system, all threads: GC work counts). */
function cpuNowMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
const options = { now: cpuNowMs, time: 1000 };

for (const [mtu, label, packets] of [
  [Mtu.MTU_4096, 'path MTU 4096', PACKETS_4096],
  [Mtu.MTU_1024, 'path MTU 1024', PACKETS_1024],
] as const) {
  describe(`RC engine, stream of 4 KiB SENDs, ${label}: ${packets} packets per iteration`, () => {
    const recycled = new SendStream(mtu, { recycle: true });
    const kept = new SendStream(mtu, { recycle: false });
    bench(
      `payload buffers recycled by the link (${packets} packets)`,
      () => {
        if (recycled.runBatch() !== packets) throw new Error('unexpected packet count');
      },
      options,
    );
    bench(
      `payload buffers kept by the link: fresh memory per packet (${packets} packets)`,
      () => {
        if (kept.runBatch() !== packets) throw new Error('unexpected packet count');
      },
      options,
    );
  });
}
