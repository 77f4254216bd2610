import { DmaDirection, SendFlags, VerbsError, WcStatus, WrOpcode } from '@rdmalab/verbs';
import { describe, expect, it } from 'vitest';
import { localAckTimeoutNs } from '../src/engine/rc-limits.js';
import type { Iommu } from '../src/softdev/iommu.js';
import { classifyAeth } from '../src/wire/aeth.js';
import { Opcode } from '../src/wire/opcodes.js';
import { drain, makePair, pattern } from './engine-fixture.js';
import type { SentPacket } from './engine-loopback.js';

const A = '10.0.0.1';
const isAck = (s: SentPacket) => s.packet.bth.opcode === Opcode.RC_ACKNOWLEDGE;
const fromA = (s: SentPacket) => s.route.srcIp === A;

/** A strict IOMMU test double: IOVA == phys, but only mapped ranges translate; unmapped → fault. */
class StrictTestIommu implements Iommu {
  private readonly ranges = new Map<number, number>();
  map(phys: number, length: number, _direction: DmaDirection): number {
    this.ranges.set(phys, length);
    return phys;
  }
  unmap(dma: number, length: number): void {
    if (this.ranges.get(dma) !== length) throw new VerbsError('EINVAL', `not mapped: ${dma}`);
    this.ranges.delete(dma);
  }
  translate(dma: number, length: number): number | undefined {
    for (const [start, len] of this.ranges) if (dma >= start && dma + length <= start + len) return dma;
    return undefined;
  }
  get mappedCount(): number {
    return this.ranges.size;
  }
}

describe('RC reliability', () => {
  it('ACK loss → retransmission after the local ACK timeout → one completion, no duplicate delivery', () => {
    const { scheduler, net, a, b } = makePair({ timeout: 8 });
    let dropped = 0;
    net.filter = (s) => (isAck(s) && dropped++ < 1 ? undefined : s.packet);
    a.memory.write(a.pages[0]!.phys, pattern(500, 3));
    b.qp.postRecv([
      { wrId: 1, sgList: [{ addr: b.mr.iova, length: 1000, lkey: b.mr.lkey }] },
      { wrId: 2, sgList: [{ addr: b.mr.iova + 1000, length: 1000, lkey: b.mr.lkey }] },
    ]);
    a.qp.postSend([
      {
        wrId: 10,
        opcode: WrOpcode.SEND,
        flags: SendFlags.SIGNALED,
        sgList: [{ addr: a.mr.iova, length: 500, lkey: a.mr.lkey }],
      },
    ]);
    scheduler.runUntilIdle();
    const requests = net.sent.filter((s) => fromA(s));
    expect(requests.map((s) => [s.packet.bth.psn, s.provenance?.retransmission])).toEqual([
      [1000, false],
      [1000, true],
    ]);
    // The retransmission happened one local ACK timeout after the first transmission.
    expect(requests[1]!.at - requests[0]!.at).toBe(localAckTimeoutNs(8));
    expect(drain(a.sendCq).map((wc) => [wc.wrId, wc.status])).toEqual([[10, WcStatus.SUCCESS]]);
    expect(drain(b.recvCq).map((wc) => wc.wrId)).toEqual([1]); // receive 2 still posted
    expect(b.device.counters.get('roce.duplicate_requests')).toBe(1);
    expect(a.device.counters.get('roce.retransmitted_packets')).toBe(1);
  });

  it('retry exhaustion → RETRY_EXC_ERR then the rest flushed in order', () => {
    const { scheduler, net, a } = makePair({ timeout: 5, retryCnt: 2 });
    net.filter = (s) => (fromA(s) ? undefined : s.packet); // the peer never hears us
    a.qp.postSend([
      { wrId: 1, opcode: WrOpcode.SEND, flags: SendFlags.NONE, sgList: [] },
      { wrId: 2, opcode: WrOpcode.SEND, flags: SendFlags.NONE, sgList: [] },
      {
        wrId: 3,
        opcode: WrOpcode.RDMA_WRITE,
        flags: SendFlags.SIGNALED,
        sgList: [],
        rdma: { remoteAddr: 0, rkey: 0 },
      },
    ]);
    scheduler.runUntilIdle();
    expect(drain(a.sendCq).map((wc) => [wc.wrId, wc.status])).toEqual([
      [1, WcStatus.RETRY_EXC_ERR],
      [2, WcStatus.WR_FLUSH_ERR],
      [3, WcStatus.WR_FLUSH_ERR],
    ]);
    // First transmission + retry_cnt retransmissions of all three PSNs (go-back-N).
    expect(net.sent.filter(fromA).map((s) => s.packet.bth.psn)).toEqual([
      1000, 1001, 1002, 1000, 1001, 1002, 1000, 1001, 1002,
    ]);
    expect(a.qp.state).toBe(6);
  });

  it('a lost middle packet → NAK PSN sequence error → go-back-N from the gap', () => {
    const { scheduler, net, a, b } = makePair({ timeout: 14 });
    let first = true;
    net.filter = (s) => {
      if (!fromA(s) || s.packet.bth.psn !== 1001 || !first) return s.packet;
      first = false;
      return undefined;
    };
    a.memory.write(a.pages[0]!.phys, pattern(3000, 5));
    b.qp.postRecv([{ wrId: 1, sgList: [{ addr: b.mr.iova, length: 4096, lkey: b.mr.lkey }] }]);
    a.qp.postSend([
      {
        wrId: 1,
        opcode: WrOpcode.SEND,
        flags: SendFlags.SIGNALED,
        sgList: [{ addr: a.mr.iova, length: 3000, lkey: a.mr.lkey }],
      },
    ]);
    scheduler.runUntilIdle();
    const naks = net.sent
      .filter((s) => !fromA(s) && isAck(s))
      .map((s) => [s.packet.bth.psn, classifyAeth(s.packet.aeth!.syndrome).type]);
    expect(naks).toEqual([
      [1001, 'NAK'],
      [1002, 'ACK'],
    ]);
    expect(net.sent.filter(fromA).map((s) => s.packet.bth.psn)).toEqual([1000, 1001, 1002, 1001, 1002]);
    expect(drain(b.recvCq)).toMatchObject([{ wrId: 1, byteLen: 3000, status: WcStatus.SUCCESS }]);
    expect(b.memory.read(b.pages[0]!.phys, 3000)).toEqual(pattern(3000, 5));
  });

  it('RNR NAK, then success once a receive is posted in time', () => {
    const { scheduler, net, a, b } = makePair({ minRnrTimer: 4, rnrRetry: 3 }); // 40 µs
    a.qp.postSend([
      {
        wrId: 1,
        opcode: WrOpcode.SEND,
        flags: SendFlags.SIGNALED,
        sgList: [{ addr: a.mr.iova, length: 16, lkey: a.mr.lkey }],
      },
    ]);
    scheduler.runUntil(20_000);
    b.qp.postRecv([{ wrId: 7, sgList: [{ addr: b.mr.iova, length: 64, lkey: b.mr.lkey }] }]);
    scheduler.runUntilIdle();
    const fromB = net.sent.filter((s) => !fromA(s)).map((s) => classifyAeth(s.packet.aeth!.syndrome).type);
    expect(fromB).toEqual(['RNR_NAK', 'ACK']);
    const sends = net.sent.filter(fromA);
    expect(sends[1]!.at - sends[0]!.at).toBe(2 * 1000 + 40_000); // round trip, then the RNR timer
    expect(drain(a.sendCq).map((wc) => wc.status)).toEqual([WcStatus.SUCCESS]);
    expect(drain(b.recvCq).map((wc) => wc.wrId)).toEqual([7]);
    expect(a.device.counters.get('roce.rnr_naks_received')).toBe(1);
  });

  it('RNR retries exhausted → RNR_RETRY_EXC_ERR', () => {
    const { scheduler, net, a } = makePair({ minRnrTimer: 1, rnrRetry: 2 });
    a.qp.postSend([
      { wrId: 1, opcode: WrOpcode.SEND, flags: SendFlags.NONE, sgList: [] },
      { wrId: 2, opcode: WrOpcode.SEND, flags: SendFlags.NONE, sgList: [] },
    ]);
    scheduler.runUntilIdle();
    expect(drain(a.sendCq).map((wc) => [wc.wrId, wc.status])).toEqual([
      [1, WcStatus.RNR_RETRY_EXC_ERR],
      [2, WcStatus.WR_FLUSH_ERR],
    ]);
    expect(net.sent.filter((s) => fromA(s) && s.packet.bth.psn === 1000)).toHaveLength(3);
  });

  it('gathers again at every retransmission: a changed source page goes out changed, with provenance', () => {
    const { scheduler, net, a, b } = makePair({ timeout: 8 });
    let acksDropped = 0;
    net.filter = (s) => (isAck(s) && acksDropped++ < 1 ? undefined : s.packet);
    const page = a.pages[2]!;
    a.memory.write(page.phys, pattern(256, 1));
    b.qp.postRecv([{ wrId: 1, sgList: [{ addr: b.mr.iova, length: 256, lkey: b.mr.lkey }] }]);
    a.qp.postSend([
      {
        wrId: 5,
        opcode: WrOpcode.SEND,
        flags: SendFlags.SIGNALED,
        sgList: [{ addr: a.mr.iova + 2 * 4096, length: 256, lkey: a.mr.lkey }],
      },
    ]);
    scheduler.runUntil(10_000); // first transmission done, its ACK lost
    a.memory.write(page.phys, pattern(256, 99)); // the ULP reuses the buffer too early
    scheduler.runUntilIdle();
    const [first, again] = net.sent.filter(fromA);
    expect(first!.packet.payload).toEqual(pattern(256, 1));
    expect(again!.packet.payload).toEqual(pattern(256, 99));
    expect(again!.provenance).toEqual({
      qpn: a.qp.qpNum,
      psn: 1000,
      retransmission: true,
      wrId: 5,
      sources: [{ phys: page.phys, length: 256, owner: 'devA:buffers', generation: page.generation }],
    });
    expect(first!.provenance!.retransmission).toBe(false);
  });

  it('an IOMMU fault while gathering a retransmission → LOC_PROT_ERR, QP in ERR, the rest flushed', () => {
    const iommu = new StrictTestIommu();
    const { scheduler, net, a } = makePair({ timeout: 8, iommuA: iommu });
    net.filter = (s) => (isAck(s) ? undefined : s.packet);
    const page = a.memory.alloc('rpc:send-buffer');
    const dma = a.device.dma.mapPage(page, 0, 512, DmaDirection.TO_DEVICE);
    a.qp.postSend([
      {
        wrId: 1,
        opcode: WrOpcode.SEND,
        flags: SendFlags.NONE,
        sgList: [{ addr: dma, length: 512, lkey: a.pd.localDmaLkey }],
      },
      { wrId: 2, opcode: WrOpcode.SEND, flags: SendFlags.SIGNALED, sgList: [] },
    ]);
    scheduler.runUntil(10_000);
    a.device.dma.unmapPage(dma, 512, DmaDirection.TO_DEVICE); // "done" with it before the completion
    scheduler.runUntilIdle();
    expect(drain(a.sendCq).map((wc) => [wc.wrId, wc.status])).toEqual([
      [1, WcStatus.LOC_PROT_ERR],
      [2, WcStatus.WR_FLUSH_ERR],
    ]);
    expect(a.qp.state).toBe(6);
    expect(net.sent.filter((s) => fromA(s) && s.provenance?.retransmission)).toHaveLength(0);
  });

  it('a lost READ response is re-requested and replayed from the responder resources', () => {
    const { scheduler, net, a, b } = makePair({ timeout: 8 });
    let dropped = false;
    net.filter = (s) => {
      if (dropped || s.packet.bth.opcode !== Opcode.RC_RDMA_READ_RESPONSE_MIDDLE) return s.packet;
      dropped = true;
      return undefined;
    };
    b.memory.write(b.pages[0]!.phys, pattern(3000, 2));
    a.qp.postSend([
      {
        wrId: 1,
        opcode: WrOpcode.RDMA_READ,
        flags: SendFlags.SIGNALED,
        sgList: [{ addr: a.mr.iova, length: 3000, lkey: a.mr.lkey }],
        rdma: { remoteAddr: b.mr.iova, rkey: b.mr.rkey },
      },
    ]);
    scheduler.runUntilIdle();
    expect(drain(a.sendCq).map((wc) => wc.status)).toEqual([WcStatus.SUCCESS]);
    expect(a.memory.read(a.pages[0]!.phys, 3000)).toEqual(pattern(3000, 2));
    const readRequests = net.sent.filter((s) => s.packet.bth.opcode === Opcode.RC_RDMA_READ_REQUEST);
    expect(readRequests.map((s) => [s.packet.bth.psn, s.packet.reth!.dmaLength])).toEqual([
      [1000, 3000],
      [1001, 3000 - 1024],
    ]);
  });

  it('is deterministic: the same inputs give the identical packet sequence', () => {
    const run = () => {
      const { scheduler, net, a, b } = makePair({ timeout: 8, minRnrTimer: 2 });
      let n = 0;
      net.filter = (s) => (n++ % 5 === 3 ? undefined : s.packet);
      a.memory.write(a.pages[0]!.phys, pattern(8000, 7));
      for (let i = 0; i < 6; i++) {
        a.qp.postSend([
          {
            wrId: i,
            opcode: WrOpcode.SEND,
            flags: SendFlags.SIGNALED,
            sgList: [{ addr: a.mr.iova + i * 1000, length: 1500, lkey: a.mr.lkey }],
          },
        ]);
      }
      scheduler.runUntil(30_000);
      b.qp.postRecv(
        Array.from({ length: 6 }, (_, i) => ({
          wrId: i,
          sgList: [{ addr: b.mr.iova + i * 2000, length: 2000, lkey: b.mr.lkey }],
        })),
      );
      scheduler.runUntilIdle();
      expect(drain(a.sendCq).map((wc) => wc.status)).toEqual(Array(6).fill(WcStatus.SUCCESS));
      return net.sent.map((s) => ({
        at: s.at,
        src: s.route.srcIp,
        bth: s.packet.bth,
        aeth: s.packet.aeth,
        payload: Array.from(s.packet.payload),
      }));
    };
    const one = run();
    expect(one.length).toBeGreaterThan(12);
    expect(run()).toEqual(one);
  });
});
