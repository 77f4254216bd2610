import {
  AccessFlags,
  type AsyncEvent,
  AsyncEventType,
  SendFlags,
  WcFlags,
  WcOpcode,
  WcStatus,
  WrOpcode,
} from '@rdmalab/verbs';
import { describe, expect, it } from 'vitest';
import { Opcode } from '../src/wire/opcodes.js';
import { drain, makePair, pattern } from './engine-fixture.js';

describe('RC data path over the soft device', () => {
  it('SEND gathers three SGEs and scatters into two receive SGEs', () => {
    const { scheduler, a, b } = makePair();
    const base = a.mr.iova;
    a.memory.write(a.pages[0]!.phys, pattern(100, 1));
    a.memory.write(a.pages[1]!.phys + 50, pattern(60, 2));
    a.memory.write(a.pages[2]!.phys, pattern(40, 3));
    b.qp.postRecv([
      {
        wrId: 77,
        sgList: [
          { addr: b.mr.iova + 10, length: 120, lkey: b.mr.lkey },
          { addr: b.mr.iova + 4096 * 3, length: 200, lkey: b.mr.lkey },
        ],
      },
    ]);
    a.qp.postSend([
      {
        wrId: 5,
        opcode: WrOpcode.SEND,
        flags: SendFlags.SIGNALED,
        sgList: [
          { addr: base, length: 100, lkey: a.mr.lkey },
          { addr: base + 4096 + 50, length: 60, lkey: a.mr.lkey },
          { addr: base + 8192, length: 40, lkey: a.mr.lkey },
        ],
      },
    ]);
    scheduler.runUntilIdle();
    const sendWcs = drain(a.sendCq);
    expect(sendWcs).toMatchObject([
      { wrId: 5, status: WcStatus.SUCCESS, opcode: WcOpcode.SEND, byteLen: 200 },
    ]);
    const recvWcs = drain(b.recvCq);
    expect(recvWcs).toMatchObject([
      { wrId: 77, status: WcStatus.SUCCESS, opcode: WcOpcode.RECV, byteLen: 200, srcQp: a.qp.qpNum },
    ]);
    const expected = new Uint8Array([...pattern(100, 1), ...pattern(60, 2), ...pattern(40, 3)]);
    const got = new Uint8Array([
      ...b.memory.read(b.pages[0]!.phys + 10, 120),
      ...b.memory.read(b.pages[3]!.phys, 80),
    ]);
    expect(got).toEqual(expected);
  });

  it('segments a message larger than the MTU into FIRST/MIDDLE/LAST and reassembles it', () => {
    const { scheduler, net, a, b } = makePair(); // MTU 1024
    const data = pattern(3000, 9);
    a.memory.write(a.pages[0]!.phys, data);
    b.qp.postRecv([{ wrId: 1, sgList: [{ addr: b.mr.iova, length: 4096, lkey: b.mr.lkey }] }]);
    a.qp.postSend([
      {
        wrId: 2,
        opcode: WrOpcode.SEND_WITH_IMM,
        immData: 0xdeadbeef,
        flags: SendFlags.SIGNALED,
        sgList: [{ addr: a.mr.iova, length: 3000, lkey: a.mr.lkey }],
      },
    ]);
    scheduler.runUntilIdle();
    const requests = net.sent.filter(
      (s) => s.route.srcIp === '10.0.0.1' && s.packet.bth.opcode !== Opcode.RC_ACKNOWLEDGE,
    );
    expect(requests.map((s) => s.packet.bth.opcode)).toEqual([
      Opcode.RC_SEND_FIRST,
      Opcode.RC_SEND_MIDDLE,
      Opcode.RC_SEND_LAST_WITH_IMMEDIATE,
    ]);
    expect(requests.map((s) => s.packet.bth.psn)).toEqual([1000, 1001, 1002]);
    expect(requests.map((s) => s.packet.bth.ackReq)).toEqual([false, false, true]);
    expect(requests.map((s) => s.packet.payload.length)).toEqual([1024, 1024, 952]);
    // One ACK for the whole message, for its last PSN.
    const acks = net.sent.filter((s) => s.packet.bth.opcode === Opcode.RC_ACKNOWLEDGE);
    expect(acks.map((s) => s.packet.bth.psn)).toEqual([1002]);
    expect(drain(b.recvCq)).toMatchObject([
      { wrId: 1, byteLen: 3000, immData: 0xdeadbeef, wcFlags: WcFlags.WITH_IMM },
    ]);
    expect(b.memory.read(b.pages[0]!.phys, 3000)).toEqual(data);
    expect(drain(a.sendCq)).toMatchObject([{ wrId: 2, status: WcStatus.SUCCESS }]);
  });

  it('RDMA WRITE places data at the remote address without consuming a receive', () => {
    const { scheduler, a, b } = makePair();
    const data = pattern(2500, 4);
    a.memory.write(a.pages[1]!.phys, data);
    a.qp.postSend([
      {
        wrId: 3,
        opcode: WrOpcode.RDMA_WRITE,
        flags: SendFlags.SIGNALED,
        sgList: [{ addr: a.mr.iova + 4096, length: 2500, lkey: a.mr.lkey }],
        rdma: { remoteAddr: b.mr.iova + 4096 * 2 + 100, rkey: b.mr.rkey },
      },
    ]);
    scheduler.runUntilIdle();
    expect(drain(a.sendCq)).toMatchObject([
      { wrId: 3, status: WcStatus.SUCCESS, opcode: WcOpcode.RDMA_WRITE },
    ]);
    expect(b.memory.read(b.pages[2]!.phys + 100, 2500)).toEqual(data);
    expect(drain(b.recvCq)).toEqual([]);
  });

  it('RDMA WRITE_WITH_IMM consumes a receive and reports the total length', () => {
    const { scheduler, a, b } = makePair();
    a.memory.write(a.pages[0]!.phys, pattern(1500, 8));
    b.qp.postRecv([{ wrId: 9, sgList: [] }]);
    a.qp.postSend([
      {
        wrId: 4,
        opcode: WrOpcode.RDMA_WRITE_WITH_IMM,
        immData: 42,
        flags: SendFlags.SIGNALED,
        sgList: [{ addr: a.mr.iova, length: 1500, lkey: a.mr.lkey }],
        rdma: { remoteAddr: b.mr.iova, rkey: b.mr.rkey },
      },
    ]);
    scheduler.runUntilIdle();
    expect(drain(b.recvCq)).toMatchObject([
      { wrId: 9, opcode: WcOpcode.RECV_RDMA_WITH_IMM, byteLen: 1500, immData: 42 },
    ]);
    expect(b.memory.read(b.pages[0]!.phys, 1500)).toEqual(pattern(1500, 8));
  });

  it('RDMA READ fetches remote bytes into local SGEs across several responses', () => {
    const { scheduler, net, a, b } = makePair();
    const data = pattern(2100, 6);
    b.memory.write(b.pages[4]!.phys, data);
    a.qp.postSend([
      {
        wrId: 6,
        opcode: WrOpcode.RDMA_READ,
        flags: SendFlags.SIGNALED,
        sgList: [
          { addr: a.mr.iova, length: 1000, lkey: a.mr.lkey },
          { addr: a.mr.iova + 4096, length: 1100, lkey: a.mr.lkey },
        ],
        rdma: { remoteAddr: b.mr.iova + 4096 * 4, rkey: b.mr.rkey },
      },
    ]);
    scheduler.runUntilIdle();
    expect(drain(a.sendCq)).toMatchObject([
      { wrId: 6, status: WcStatus.SUCCESS, opcode: WcOpcode.RDMA_READ, byteLen: 2100 },
    ]);
    expect(
      new Uint8Array([...a.memory.read(a.pages[0]!.phys, 1000), ...a.memory.read(a.pages[1]!.phys, 1100)]),
    ).toEqual(data);
    const responses = net.sent.filter((s) => s.route.srcIp === '10.0.0.2').map((s) => s.packet.bth.opcode);
    expect(responses).toEqual([
      Opcode.RC_RDMA_READ_RESPONSE_FIRST,
      Opcode.RC_RDMA_READ_RESPONSE_MIDDLE,
      Opcode.RC_RDMA_READ_RESPONSE_LAST,
    ]);
  });

  it.each([
    ['a wrong rkey', (rkey: number, addr: number) => ({ rkey: rkey ^ 0x100, remoteAddr: addr })],
    [
      'an address past the region',
      (rkey: number, addr: number) => ({ rkey, remoteAddr: addr + 8 * 4096 - 10 }),
    ],
  ])('RDMA WRITE with %s → REM_ACCESS_ERR, both QPs to ERR, the rest flushed', (_name, rdma) => {
    const { scheduler, a, b } = makePair();
    const events: AsyncEvent[] = [];
    b.device.onAsyncEvent((e) => events.push(e));
    b.qp.postRecv([{ wrId: 50, sgList: [] }]);
    a.qp.postSend([
      {
        wrId: 1,
        opcode: WrOpcode.RDMA_WRITE,
        flags: SendFlags.NONE,
        sgList: [{ addr: a.mr.iova, length: 100, lkey: a.mr.lkey }],
        rdma: rdma(b.mr.rkey, b.mr.iova),
      },
      { wrId: 2, opcode: WrOpcode.SEND, flags: SendFlags.SIGNALED, sgList: [] },
      { wrId: 3, opcode: WrOpcode.SEND, flags: SendFlags.NONE, sgList: [] },
    ]);
    scheduler.runUntilIdle();
    // The failed WR completes although it was unsignaled; the rest flush in order.
    expect(drain(a.sendCq).map((wc) => [wc.wrId, wc.status])).toEqual([
      [1, WcStatus.REM_ACCESS_ERR],
      [2, WcStatus.WR_FLUSH_ERR],
      [3, WcStatus.WR_FLUSH_ERR],
    ]);
    expect(a.qp.state).toBe(6);
    expect(b.qp.state).toBe(6);
    expect(drain(b.recvCq).map((wc) => [wc.wrId, wc.status])).toEqual([[50, WcStatus.WR_FLUSH_ERR]]);
    expect(events).toEqual([{ type: AsyncEventType.QP_ACCESS_ERR, qpNum: b.qp.qpNum }]);
  });

  it('RDMA READ of a region without REMOTE_READ → REM_ACCESS_ERR', () => {
    const { scheduler, a, b } = makePair();
    const page = b.memory.alloc('b:write-only');
    const mr = b.pd.registerMr({ pages: [page], access: AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE });
    a.qp.postSend([
      {
        wrId: 1,
        opcode: WrOpcode.RDMA_READ,
        flags: SendFlags.SIGNALED,
        sgList: [{ addr: a.mr.iova, length: 64, lkey: a.mr.lkey }],
        rdma: { remoteAddr: mr.iova, rkey: mr.rkey },
      },
    ]);
    scheduler.runUntilIdle();
    expect(drain(a.sendCq).map((wc) => wc.status)).toEqual([WcStatus.REM_ACCESS_ERR]);
  });

  it('an SGE with a bad lkey → LOC_PROT_ERR and QP in ERR', () => {
    const { scheduler, net, a } = makePair();
    a.qp.postSend([
      {
        wrId: 1,
        opcode: WrOpcode.SEND,
        flags: SendFlags.NONE,
        sgList: [{ addr: a.mr.iova, length: 64, lkey: a.mr.lkey + 1 }],
      },
      { wrId: 2, opcode: WrOpcode.SEND, flags: SendFlags.SIGNALED, sgList: [] },
    ]);
    scheduler.runUntilIdle();
    expect(drain(a.sendCq).map((wc) => [wc.wrId, wc.status])).toEqual([
      [1, WcStatus.LOC_PROT_ERR],
      [2, WcStatus.WR_FLUSH_ERR],
    ]);
    expect(a.qp.state).toBe(6);
    expect(net.sent.filter((s) => s.route.srcIp === '10.0.0.1')).toEqual([]);
  });

  it('completes in Send Queue order, and unsignaled WRs produce no completion', () => {
    const { scheduler, a, b } = makePair();
    b.qp.postRecv(
      Array.from({ length: 4 }, (_, i) => ({
        wrId: 100 + i,
        sgList: [{ addr: b.mr.iova + i * 100, length: 100, lkey: b.mr.lkey }],
      })),
    );
    a.qp.postSend([
      {
        wrId: 1,
        opcode: WrOpcode.SEND,
        flags: SendFlags.SIGNALED,
        sgList: [{ addr: a.mr.iova, length: 10, lkey: a.mr.lkey }],
      },
      {
        wrId: 2,
        opcode: WrOpcode.RDMA_READ,
        flags: SendFlags.SIGNALED,
        sgList: [{ addr: a.mr.iova, length: 10, lkey: a.mr.lkey }],
        rdma: { remoteAddr: b.mr.iova, rkey: b.mr.rkey },
      },
      {
        wrId: 3,
        opcode: WrOpcode.SEND,
        flags: SendFlags.NONE,
        sgList: [{ addr: a.mr.iova, length: 10, lkey: a.mr.lkey }],
      },
      {
        wrId: 4,
        opcode: WrOpcode.SEND,
        flags: SendFlags.SIGNALED,
        sgList: [{ addr: a.mr.iova, length: 10, lkey: a.mr.lkey }],
      },
    ]);
    scheduler.runUntilIdle();
    expect(drain(a.sendCq).map((wc) => wc.wrId)).toEqual([1, 2, 4]);
    expect(drain(b.recvCq).map((wc) => wc.wrId)).toEqual([100, 101, 102]);
  });
});
