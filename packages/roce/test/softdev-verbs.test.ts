import { PAGE_SIZE } from '@rdmalab/kernel';
import {
  AccessFlags,
  DmaDirection,
  Mtu,
  QpState,
  SendFlags,
  VerbsError,
  WcFlags,
  WcOpcode,
  WcStatus,
  type WorkCompletion,
  WrOpcode,
} from '@rdmalab/verbs';
import { describe, expect, it } from 'vitest';
import { connect, drain, makePair, pattern } from './engine-fixture.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof VerbsError) return err.code;
    throw err;
  }
  return undefined;
}

describe('QP state machine via modify', () => {
  it('walks RESET → INIT → RTR → RTS and rejects what ibv_modify_qp rejects', () => {
    const { a } = makePair({ connect: false });
    const qp = a.qp;
    expect(qp.state).toBe(QpState.RESET);
    expect(code(() => qp.modify({ state: QpState.RTR }))).toBe('EINVAL'); // skipping INIT
    expect(code(() => qp.modify({ state: QpState.INIT, pkeyIndex: 0, port: 1 }))).toBe('EINVAL'); // accessFlags missing
    qp.modify({ state: QpState.INIT, pkeyIndex: 0, port: 1, accessFlags: AccessFlags.REMOTE_READ });
    expect(code(() => qp.postSend([{ wrId: 1, opcode: WrOpcode.SEND, flags: 0, sgList: [] }]))).toBe(
      'EINVAL',
    );
    expect(
      code(() =>
        qp.modify({ state: QpState.RTS, sqPsn: 0, maxRdAtomic: 1, retryCnt: 1, rnrRetry: 1, timeout: 1 }),
      ),
    ).toBe('EINVAL');
    expect(
      code(() =>
        qp.modify({
          state: QpState.RTR,
          av: { destIp: '10.0.0.2', srcIp: '10.0.0.1' },
          pathMtu: Mtu.MTU_1024,
          destQpNum: 17,
          rqPsn: 0x1000000,
          maxDestRdAtomic: 1,
          minRnrTimer: 1,
        }),
      ),
    ).toBe('EINVAL'); // rqPsn is 24 bits
    qp.modify({
      state: QpState.RTR,
      av: { destIp: '10.0.0.2', srcIp: '10.0.0.1' },
      pathMtu: Mtu.MTU_1024,
      destQpNum: 17,
      rqPsn: 5,
      maxDestRdAtomic: 1,
      minRnrTimer: 1,
    });
    expect(qp.state).toBe(QpState.RTR);
    expect(
      code(() =>
        qp.modify({ state: QpState.RTS, sqPsn: 0, maxRdAtomic: 1, retryCnt: 8, rnrRetry: 1, timeout: 1 }),
      ),
    ).toBe('EINVAL');
    qp.modify({ state: QpState.RTS, sqPsn: 9, maxRdAtomic: 1, retryCnt: 3, rnrRetry: 1, timeout: 10 });
    expect(qp.query()).toMatchObject({ state: QpState.RTS, rqPsn: 5, sqPsn: 9, retryCnt: 3, destQpNum: 17 });
    qp.modify({ state: QpState.SQD });
    qp.modify({ state: QpState.RTS });
    qp.modify({ state: QpState.ERR });
    expect(code(() => qp.modify({ state: QpState.RTS }))).toBe('EINVAL');
    qp.modify({ state: QpState.RESET });
    expect(qp.query()).toEqual({ state: QpState.RESET });
  });

  it('flushes posted receives on ERR and completes sends posted in ERR with WR_FLUSH_ERR', () => {
    const { scheduler, a } = makePair();
    a.qp.postRecv([
      { wrId: 1, sgList: [] },
      { wrId: 2, sgList: [] },
    ]);
    a.qp.modify({ state: QpState.ERR });
    a.qp.postSend([{ wrId: 3, opcode: WrOpcode.SEND, flags: SendFlags.NONE, sgList: [] }]);
    a.qp.postRecv([{ wrId: 4, sgList: [] }]);
    scheduler.runUntilIdle();
    expect(drain(a.recvCq).map((wc) => [wc.wrId, wc.status])).toEqual([
      [1, WcStatus.WR_FLUSH_ERR],
      [2, WcStatus.WR_FLUSH_ERR],
      [4, WcStatus.WR_FLUSH_ERR],
    ]);
    expect(drain(a.sendCq).map((wc) => [wc.wrId, wc.status])).toEqual([[3, WcStatus.WR_FLUSH_ERR]]);
  });

  it('rejects malformed WRs with EINVAL and the index of the first one not posted', () => {
    const { a } = makePair();
    const err = (() => {
      try {
        a.qp.postSend([
          { wrId: 1, opcode: WrOpcode.SEND, flags: 0, sgList: [] },
          { wrId: 2, opcode: WrOpcode.RDMA_WRITE, flags: 0, sgList: [] }, // no rdma
        ]);
      } catch (e) {
        return e as VerbsError;
      }
      return undefined;
    })();
    expect(err).toMatchObject({ code: 'EINVAL', badWrIndex: 1 });
    expect(a.qp.sendQueueUsed).toBe(1);
    const sge = { addr: a.mr.iova, length: 1, lkey: a.mr.lkey };
    expect(
      code(() =>
        a.qp.postSend([{ wrId: 3, opcode: WrOpcode.SEND, flags: 0, sgList: [sge, sge, sge, sge, sge] }]),
      ),
    ).toBe('EINVAL');
    expect(
      code(() => a.qp.postSend([{ wrId: 4, opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, flags: 0, sgList: [] }])),
    ).toBe('EOPNOTSUPP');
  });
});

describe('memory registration and invalidation', () => {
  it('REG_MR makes a fast-reg MR usable remotely; LOCAL_INV revokes it and a later WRITE fails', () => {
    const { scheduler, a, b } = makePair();
    const page = b.memory.alloc('b:frwr');
    const dma = b.device.dma.mapPage(page, 0, PAGE_SIZE, DmaDirection.BIDIRECTIONAL);
    const mr = b.pd.allocFastRegMr(4);
    expect(mr.state).toBe('FREE');
    mr.mapSg([dma], 0, PAGE_SIZE);
    mr.updateKey(0x42);
    b.qp.postSend([
      {
        wrId: 1,
        opcode: WrOpcode.REG_MR,
        flags: SendFlags.SIGNALED,
        sgList: [],
        reg: { mr, key: mr.rkey, access: AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE },
      },
    ]);
    scheduler.runUntilIdle();
    expect(drain(b.sendCq)).toMatchObject([{ wrId: 1, status: WcStatus.SUCCESS, opcode: WcOpcode.REG_MR }]);
    expect(mr.state).toBe('VALID');
    expect(mr.rkey & 0xff).toBe(0x42);

    a.memory.write(a.pages[0]!.phys, pattern(64, 5));
    const write = (wrId: number) =>
      a.qp.postSend([
        {
          wrId,
          opcode: WrOpcode.RDMA_WRITE,
          flags: SendFlags.SIGNALED,
          sgList: [{ addr: a.mr.iova, length: 64, lkey: a.mr.lkey }],
          rdma: { remoteAddr: mr.iova + 8, rkey: mr.rkey },
        },
      ]);
    write(2);
    scheduler.runUntilIdle();
    expect(drain(a.sendCq).map((wc) => wc.status)).toEqual([WcStatus.SUCCESS]);
    expect(b.memory.read(page.phys + 8, 64)).toEqual(pattern(64, 5));

    b.qp.postSend([
      { wrId: 3, opcode: WrOpcode.LOCAL_INV, flags: SendFlags.SIGNALED, sgList: [], invalidateRkey: mr.rkey },
    ]);
    scheduler.runUntilIdle();
    expect(drain(b.sendCq)).toMatchObject([
      { wrId: 3, status: WcStatus.SUCCESS, opcode: WcOpcode.LOCAL_INV },
    ]);
    expect(mr.state).toBe('INVALID');
    write(4);
    scheduler.runUntilIdle();
    expect(drain(a.sendCq).map((wc) => wc.status)).toEqual([WcStatus.REM_ACCESS_ERR]);
  });

  it('SEND_WITH_INV invalidates the rkey at the responder; later use of it fails', () => {
    const { scheduler, a, b } = makePair();
    const page = b.memory.alloc('b:chunk');
    const mr = b.pd.allocFastRegMr(1);
    mr.mapSg([b.device.dma.mapPage(page, 0, PAGE_SIZE, DmaDirection.BIDIRECTIONAL)], 0, PAGE_SIZE);
    b.qp.postSend([
      {
        wrId: 1,
        opcode: WrOpcode.REG_MR,
        flags: SendFlags.NONE,
        sgList: [],
        reg: { mr, key: mr.rkey, access: AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_READ },
      },
    ]);
    b.qp.postRecv([{ wrId: 9, sgList: [{ addr: b.mr.iova, length: 100, lkey: b.mr.lkey }] }]);
    scheduler.runUntilIdle();
    expect(mr.state).toBe('VALID');
    a.qp.postSend([
      {
        wrId: 2,
        opcode: WrOpcode.SEND_WITH_INV,
        invalidateRkey: mr.rkey,
        flags: SendFlags.SIGNALED,
        sgList: [],
      },
    ]);
    scheduler.runUntilIdle();
    expect(drain(b.recvCq)).toMatchObject([
      { wrId: 9, status: WcStatus.SUCCESS, wcFlags: WcFlags.WITH_INVALIDATE, invalidatedRkey: mr.rkey },
    ]);
    expect(mr.state).toBe('INVALID');
    a.qp.postSend([
      {
        wrId: 3,
        opcode: WrOpcode.RDMA_READ,
        flags: SendFlags.SIGNALED,
        sgList: [{ addr: a.mr.iova, length: 8, lkey: a.mr.lkey }],
        rdma: { remoteAddr: mr.iova, rkey: mr.rkey },
      },
    ]);
    scheduler.runUntilIdle();
    expect(drain(a.sendCq).map((wc) => [wc.wrId, wc.status])).toEqual([
      [2, WcStatus.SUCCESS],
      [3, WcStatus.REM_ACCESS_ERR],
    ]);
  });

  it('a deregistered MR lkey → LOC_PROT_ERR; registration checks its arguments', () => {
    const { scheduler, a } = makePair();
    const page = a.memory.alloc('a:tmp');
    expect(code(() => a.pd.registerMr({ pages: [page], access: AccessFlags.REMOTE_WRITE }))).toBe('EINVAL');
    expect(code(() => a.pd.registerMr({ pages: [page], length: PAGE_SIZE + 1, access: 0 }))).toBe('EINVAL');
    const mr = a.pd.registerMr({ pages: [page], access: AccessFlags.LOCAL_WRITE });
    mr.deregister();
    expect(code(() => mr.deregister())).toBe('EINVAL');
    a.qp.postSend([
      { wrId: 1, opcode: WrOpcode.SEND, flags: 0, sgList: [{ addr: mr.iova, length: 4, lkey: mr.lkey }] },
    ]);
    scheduler.runUntilIdle();
    expect(drain(a.sendCq).map((wc) => wc.status)).toEqual([WcStatus.LOC_PROT_ERR]);
    expect(code(() => a.pd.dealloc())).toBe('EBUSY');
  });
});

describe('Send Queue retirement', () => {
  const send = (flags: number, wrId: number) => ({ wrId, opcode: WrOpcode.SEND, flags, sgList: [] });

  it('a full Send Queue refuses the next WR with ENOMEM', () => {
    const { a } = makePair({ maxSendWr: 4 });
    a.qp.postSend([send(0, 1), send(0, 2), send(0, 3), send(0, 4)]);
    const e = (() => {
      try {
        a.qp.postSend([send(0, 5)]);
      } catch (err) {
        return err as VerbsError;
      }
      return undefined;
    })();
    expect(e).toMatchObject({ code: 'ENOMEM', badWrIndex: 0 });
  });

  it("'each' frees a slot when the WQE completes, signaled or not", () => {
    const { scheduler, a, b } = makePair({ maxSendWr: 4, sqRetirement: 'each' });
    b.qp.postRecv(Array.from({ length: 8 }, (_, i) => ({ wrId: i, sgList: [] })));
    a.qp.postSend([send(0, 1), send(0, 2), send(0, 3), send(0, 4)]);
    scheduler.runUntilIdle();
    expect(a.qp.sendQueueUsed).toBe(0);
    a.qp.postSend([send(0, 5), send(0, 6), send(0, 7), send(0, 8)]);
    scheduler.runUntilIdle();
    expect(drain(a.sendCq)).toEqual([]);
  });

  it("'signaled-only' retires unsignaled WQEs only when a later signaled completion is reaped", () => {
    const { scheduler, a, b } = makePair({ maxSendWr: 4, sqRetirement: 'signaled-only' });
    b.qp.postRecv(Array.from({ length: 12 }, (_, i) => ({ wrId: i, sgList: [] })));
    a.qp.postSend([send(0, 1), send(0, 2), send(SendFlags.SIGNALED, 3)]);
    scheduler.runUntilIdle();
    expect(a.sendCq.depth).toBe(1);
    expect(a.qp.sendQueueUsed).toBe(3); // completed, but not reaped yet
    expect(drain(a.sendCq).map((wc) => wc.wrId)).toEqual([3]);
    expect(a.qp.sendQueueUsed).toBe(0);
    // A QP that never signals fills up although every WQE completed on the wire.
    a.qp.postSend([send(0, 4), send(0, 5), send(0, 6), send(0, 7)]);
    scheduler.runUntilIdle();
    expect(b.recvCq.depth).toBe(7);
    expect(a.qp.sendQueueUsed).toBe(4);
    expect(code(() => a.qp.postSend([send(SendFlags.SIGNALED, 8)]))).toBe('ENOMEM');
  });

  it('a callback-mode CQ delivers through each WR cqe in budgeted passes and reaps as it goes', () => {
    const { scheduler, a, b } = makePair({ connect: false, sqRetirement: 'signaled-only' });
    const seen: number[] = [];
    const cq = a.device.createCq({
      capacity: 64,
      mode: 'callback',
      budget: 2,
      onCompletion: (wc) => seen.push(-wc.wrId),
    });
    const qp = a.pd.createQp({
      type: 'RC',
      sendCq: cq,
      recvCq: cq,
      cap: { maxSendWr: 8, maxRecvWr: 8, maxSendSge: 1, maxRecvSge: 1, maxInlineData: 0 },
    });
    connect({ ...a, qp }, b, '10.0.0.1', '10.0.0.2', {});
    connect(b, { ...a, qp }, '10.0.0.2', '10.0.0.1', {});
    b.qp.postRecv(Array.from({ length: 8 }, (_, i) => ({ wrId: i, sgList: [] })));
    const done = { done: (wc: WorkCompletion) => seen.push(wc.wrId) };
    qp.postSend([
      { ...send(SendFlags.SIGNALED, 1), cqe: done },
      send(0, 2),
      { ...send(SendFlags.SIGNALED, 3), cqe: done },
      send(SendFlags.SIGNALED, 4),
    ]);
    scheduler.runUntilIdle();
    expect(seen).toEqual([1, 3, -4]);
    expect(qp.sendQueueUsed).toBe(0);
    expect(code(() => cq.poll(1))).toBe('EINVAL');
    expect(code(() => cq.destroy())).toBe('EBUSY');
  });
});
