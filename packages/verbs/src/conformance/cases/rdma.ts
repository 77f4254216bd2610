import { expect } from 'vitest';
import { AccessFlags } from '../../constants/access-flags.js';
import { AsyncEventType } from '../../constants/async-event.js';
import { QpState, qpStateName } from '../../constants/qp-state.js';
import { SendFlags } from '../../constants/send-flags.js';
import { WrOpcode } from '../../constants/wr-opcode.js';
import type { AsyncEvent } from '../../device.js';
import { DmaDirection } from '../../dma.js';
import type { CaseContext } from '../case-context.js';
import type { CaseBodies } from '../conformance-case.js';
import { patternBytes } from '../host-buffer.js';
import type { RcEndpoint } from '../rc-pair.js';
import { expectSameBytes, sentinel } from './expectations.js';

const LW = AccessFlags.LOCAL_WRITE;

/**
 * A responder that detects an R_Key, bounds or access violation NAKs it (the requester completes with
 * REM_ACCESS_ERR), goes to ERR itself and flushes its posted receives (IBA class C responder error;
 * rxe_resp.c do_class_ac_error).
 */
async function expectResponderInError(
  ctx: CaseContext,
  responder: RcEndpoint,
  flushedRecvWrIds: readonly number[],
): Promise<void> {
  await ctx.waitFor(`${responder.side}.qp in ERR after the access violation it detected`, () => {
    return responder.qp.state === QpState.ERR;
  });
  await ctx.waitForCompletions(responder, 'recvs', flushedRecvWrIds.length);
  expect(responder.recvs.summaries(), 'the responder flushes its posted receives').toEqual(
    flushedRecvWrIds.map((wrId) => ({ wrId, status: 'WR_FLUSH_ERR' })),
  );
}

export const rdmaCases: CaseBodies = {
  'rdma-write': {
    title: 'RDMA WRITE gathered from 2 SGEs lands at the remote address, nothing around it changes',
    async run(ctx) {
      const { a, b } = ctx.connect();
      const first = ctx.mapped(a, DmaDirection.TO_DEVICE);
      const second = ctx.registered(a, 4096, LW);
      const data = patternBytes(3000, 20);
      first.write(200, data.subarray(0, 2500));
      second.write(0, data.subarray(2500));
      const dst = ctx.registered(b, 8192, LW | AccessFlags.REMOTE_WRITE);
      dst.fill(0xee);
      a.qp.postSend([
        {
          wrId: 1,
          opcode: WrOpcode.RDMA_WRITE,
          sgList: [first.sge(200, 2500), second.sge(0, 500)],
          flags: SendFlags.SIGNALED,
          rdma: dst.remote(500),
        },
      ]);
      await ctx.waitForCompletions(a, 'sends', 1);
      expect(a.sends.summaries()).toEqual([{ wrId: 1, status: 'SUCCESS', opcode: 'RDMA_WRITE' }]);
      expectSameBytes(dst.read(500, 3000), data, 'written bytes');
      expectSameBytes(dst.read(0, 500), sentinel(500, 0xee), 'bytes before the target');
      expectSameBytes(dst.read(3500, 100), sentinel(100, 0xee), 'bytes after the target');
      expect(b.recvs.entries, 'an RDMA WRITE consumes no receive').toHaveLength(0);
    },
  },

  'rdma-write-with-imm': {
    title: 'RDMA_WRITE_WITH_IMM writes the data and consumes one receive: RECV_RDMA_WITH_IMM, byteLen, imm',
    async run(ctx) {
      const { a, b } = ctx.connect();
      const src = ctx.registered(a, 4096, LW);
      const data = patternBytes(2000, 21);
      src.write(0, data);
      const dst = ctx.registered(b, 4096, LW | AccessFlags.REMOTE_WRITE);
      b.qp.postRecv([{ wrId: 70, sgList: [] }]);
      a.qp.postSend([
        {
          wrId: 2,
          opcode: WrOpcode.RDMA_WRITE_WITH_IMM,
          sgList: [src.sge(0, 2000)],
          flags: SendFlags.SIGNALED,
          immData: 0x00c0ffee,
          rdma: dst.remote(96),
        },
      ]);
      await ctx.waitForCompletions(a, 'sends', 1);
      await ctx.waitForCompletions(b, 'recvs', 1);
      expect(a.sends.summaries()).toEqual([{ wrId: 2, status: 'SUCCESS', opcode: 'RDMA_WRITE' }]);
      expect(b.recvs.summaries()).toEqual([
        { wrId: 70, status: 'SUCCESS', opcode: 'RECV_RDMA_WITH_IMM', byteLen: 2000, immData: 0x00c0ffee },
      ]);
      expect(b.recvs.entries[0]!.srcQp, 'receive completion srcQp').toBe(a.qp.qpNum);
      expectSameBytes(dst.read(96, 2000), data, 'written bytes');
    },
  },

  'rdma-read': {
    title: 'RDMA READ of 5000 bytes scattered into 2 local SGEs; byteLen; the remote memory is unchanged',
    async run(ctx) {
      const { a, b } = ctx.connect();
      const remote = ctx.registered(b, 8192, LW | AccessFlags.REMOTE_READ);
      const data = patternBytes(5000, 22);
      remote.write(123, data);
      const first = ctx.registered(a, 4096, LW);
      const second = ctx.mapped(a, DmaDirection.FROM_DEVICE);
      first.fill(0xee);
      second.fill(0xee);
      a.qp.postSend([
        {
          wrId: 3,
          opcode: WrOpcode.RDMA_READ,
          sgList: [first.sge(0, 3000), second.sge(64, 2000)],
          flags: SendFlags.SIGNALED,
          rdma: remote.remote(123),
        },
      ]);
      await ctx.waitForCompletions(a, 'sends', 1);
      expect(a.sends.summaries()).toEqual([
        { wrId: 3, status: 'SUCCESS', opcode: 'RDMA_READ', byteLen: 5000 },
      ]);
      expectSameBytes(first.read(0, 3000), data.subarray(0, 3000), 'first local SGE');
      expectSameBytes(second.read(64, 2000), data.subarray(3000), 'second local SGE');
      expectSameBytes(second.read(2064, 64), sentinel(64, 0xee), 'bytes after the second SGE');
      expectSameBytes(remote.read(123, 5000), data, 'remote memory after the READ');
    },
  },

  'rdma-write-out-of-bounds': {
    title:
      'a WRITE crossing the end of the remote MR → REM_ACCESS_ERR, nothing written, both QPs to ERR, flush',
    async run(ctx) {
      const pair = ctx.connect();
      const { a, b } = pair;
      const src = ctx.registered(a, 4096, LW);
      src.write(0, patternBytes(64, 23));
      const dst = ctx.registered(b, 4096, LW | AccessFlags.REMOTE_WRITE);
      dst.fill(0xee);
      const spare = ctx.registered(b, 64, LW);
      b.qp.postRecv([{ wrId: 71, sgList: [spare.sge(0, 64)] }]);
      a.qp.postSend([
        {
          wrId: 1,
          opcode: WrOpcode.RDMA_WRITE,
          sgList: [src.sge(0, 64)],
          flags: SendFlags.SIGNALED,
          rdma: dst.remote(4096 - 32),
        },
        { wrId: 2, opcode: WrOpcode.SEND, sgList: [src.sge(0, 16)], flags: SendFlags.NONE },
      ]);
      await ctx.waitForCompletions(a, 'sends', 2);
      expect(a.sends.summaries(), 'the error, then the unsignaled WR behind it flushed').toEqual([
        { wrId: 1, status: 'REM_ACCESS_ERR' },
        { wrId: 2, status: 'WR_FLUSH_ERR' },
      ]);
      expect(qpStateName(a.qp.state), 'requester QP state').toBe('ERR');
      expectSameBytes(dst.read(0, 4096), sentinel(4096, 0xee), 'the remote MR (not even the in-bounds part)');
      await expectResponderInError(ctx, b, [71]);
    },
  },

  'rdma-read-access-violation': {
    title:
      'a READ of an MR without REMOTE_READ → REM_ACCESS_ERR, local buffer untouched, flush, responder ERR',
    async run(ctx) {
      const { a, b } = ctx.connect();
      const remote = ctx.registered(b, 4096, LW | AccessFlags.REMOTE_WRITE);
      remote.write(0, patternBytes(256, 24));
      const local = ctx.registered(a, 4096, LW);
      local.fill(0xee);
      a.qp.postSend([
        {
          wrId: 1,
          opcode: WrOpcode.RDMA_READ,
          sgList: [local.sge(0, 256)],
          flags: SendFlags.SIGNALED,
          rdma: remote.remote(0),
        },
        {
          wrId: 2,
          opcode: WrOpcode.RDMA_WRITE,
          sgList: [local.sge(0, 16)],
          flags: SendFlags.SIGNALED,
          rdma: remote.remote(512),
        },
      ]);
      await ctx.waitForCompletions(a, 'sends', 2);
      expect(a.sends.summaries()).toEqual([
        { wrId: 1, status: 'REM_ACCESS_ERR' },
        { wrId: 2, status: 'WR_FLUSH_ERR' },
      ]);
      expect(qpStateName(a.qp.state), 'requester QP state').toBe('ERR');
      expectSameBytes(local.read(0, 256), sentinel(256, 0xee), 'the local READ target');
      await expectResponderInError(ctx, b, []);
    },
  },

  'qp-access-error-event': {
    title:
      'the responder of an R_Key violation reports IBV_EVENT_QP_ACCESS_ERR for its QP (affiliated async error)',
    async run(ctx) {
      const { a, b } = ctx.connect();
      const events: AsyncEvent[] = [];
      b.device.onAsyncEvent((e) => events.push(e));
      const src = ctx.registered(a, 4096, LW);
      const dst = ctx.registered(b, 4096, LW | AccessFlags.REMOTE_WRITE);
      a.qp.postSend([
        {
          wrId: 1,
          opcode: WrOpcode.RDMA_WRITE,
          sgList: [src.sge(0, 64)],
          flags: SendFlags.SIGNALED,
          rdma: { remoteAddr: dst.mr.iova, rkey: dst.mr.rkey ^ 0x80 },
        },
      ]);
      await ctx.waitForCompletions(a, 'sends', 1);
      expect(a.sends.summaries(), 'a WRITE with an rkey nobody registered').toEqual([
        { wrId: 1, status: 'REM_ACCESS_ERR' },
      ]);
      await ctx.waitFor('an async event on b', () => events.length > 0);
      expect(
        events.map((e) => ({ type: e.type, qpNum: e.qpNum })),
        'the responder reports IBV_EVENT_QP_ACCESS_ERR',
      ).toContainEqual({ type: AsyncEventType.QP_ACCESS_ERR, qpNum: b.qp.qpNum });
    },
  },
};
