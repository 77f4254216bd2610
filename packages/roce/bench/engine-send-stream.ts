import { type Mtu, SendFlags, type SendWr, WrOpcode } from '@rdmalab/verbs';
import { drain, makePair, type Pair } from '../test/engine-fixture.js';

/** A connected pair streaming 4 KiB SENDs (every 16th signaled) over the loopback link. */
export class SendStream {
  readonly pair: Pair;
  private readonly wrs: SendWr[];
  private readonly recvs;

  constructor(
    mtu: Mtu,
    readonly batch = 256,
  ) {
    this.pair = makePair({ mtu, maxSendWr: batch, maxRecvWr: batch, timeout: 14, delayNs: 500 });
    this.pair.net.log = false;
    const { a, b } = this.pair;
    this.wrs = Array.from({ length: batch }, (_, i) => ({
      wrId: i,
      opcode: WrOpcode.SEND,
      flags: i % 16 === 15 ? SendFlags.SIGNALED : SendFlags.NONE,
      sgList: [{ addr: a.mr.iova + (i % 8) * 4096, length: 4096, lkey: a.mr.lkey }],
    }));
    this.recvs = Array.from({ length: batch }, (_, i) => ({
      wrId: i,
      sgList: [{ addr: b.mr.iova + (i % 8) * 4096, length: 4096, lkey: b.mr.lkey }],
    }));
  }

  /** Send one batch to completion; returns the packets that crossed the link (requests + ACKs). */
  runBatch(): number {
    const { scheduler, a, b } = this.pair;
    const before = a.device.counters.get('roce.tx_packets') + b.device.counters.get('roce.tx_packets');
    b.qp.postRecv(this.recvs);
    a.qp.postSend(this.wrs);
    scheduler.runUntilIdle();
    drain(a.sendCq);
    drain(b.recvCq);
    return a.device.counters.get('roce.tx_packets') + b.device.counters.get('roce.tx_packets') - before;
  }
}
