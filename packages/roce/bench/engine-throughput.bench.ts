import { Mtu } from '@rdmalab/verbs';
import { bench, describe } from 'vitest';
import { SendStream } from './engine-send-stream.js';

// One iteration = 256 SENDs of 4 KiB (every 16th signaled) through requester, responder and
// completer over the loopback link, with coalesced ACKs. Packets per iteration: MTU 4096 → 256
// requests + 256 ACKs; MTU 1024 → 1024 requests + 256 ACKs (one per message). Multiply hz by that
// to get simulated packets per wall second.
describe('RC engine: stream of 4 KiB SENDs (256 per iteration)', () => {
  const mtu4096 = new SendStream(Mtu.MTU_4096);
  const mtu1024 = new SendStream(Mtu.MTU_1024);
  bench('path MTU 4096 (512 packets/iteration)', () => {
    mtu4096.runBatch();
  });
  bench('path MTU 1024 (1280 packets/iteration)', () => {
    mtu1024.runBatch();
  });
});
