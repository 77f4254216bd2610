import { expect } from 'vitest';
import { AccessFlags } from '../../constants/access-flags.js';
import { qpStateName } from '../../constants/qp-state.js';
import { SendFlags } from '../../constants/send-flags.js';
import { WrOpcode } from '../../constants/wr-opcode.js';
import type { CaseBodies } from '../conformance-case.js';
import { patternBytes } from '../host-buffer.js';
import { expectSameBytes } from './expectations.js';

/** Local ACK timeout code 10: 4.096 µs × 2^10 ≈ 4.2 ms (ibv_modify_qp(3)), short enough for real time too. */
const TIMEOUT_CODE = 10;

export const networkFaultCases: CaseBodies = {
  'ack-loss-retransmission': {
    title: 'a lost ACK → the Send is retransmitted after the ACK timeout → one completion, delivered once',
    needsFaults: true,
    async run(ctx) {
      const { a, b } = ctx.connect({ timeout: TIMEOUT_CODE, retryCnt: 3 });
      const src = ctx.registered(a, 8192, AccessFlags.LOCAL_WRITE);
      const first = patternBytes(3000, 60);
      const second = patternBytes(700, 61);
      src.write(0, first);
      src.write(4096, second);
      const dst = ctx.registered(b, 8192, AccessFlags.LOCAL_WRITE);
      b.qp.postRecv([
        { wrId: 90, sgList: [dst.sge(0, 4096)] },
        { wrId: 91, sgList: [dst.sge(4096, 4096)] },
      ]);

      ctx.faults.dropAcksFrom('b', { count: 1 });
      a.qp.postSend([
        { wrId: 1, opcode: WrOpcode.SEND, sgList: [src.sge(0, 3000)], flags: SendFlags.SIGNALED },
      ]);
      await ctx.waitForCompletions(a, 'sends', 1);
      // Several ACK timeouts more: a duplicate completion or delivery would show up by now.
      await ctx.elapse(50);
      expect(a.sends.summaries(), 'one completion for the retransmitted Send').toEqual([
        { wrId: 1, status: 'SUCCESS', opcode: 'SEND' },
      ]);
      expect(b.recvs.summaries(), 'the duplicate is re-ACKed, not delivered again').toEqual([
        { wrId: 90, status: 'SUCCESS', opcode: 'RECV', byteLen: 3000 },
      ]);
      expectSameBytes(dst.read(0, 3000), first, 'first message');

      // The PSNs on both sides still agree: the next Send takes the next receive.
      a.qp.postSend([
        { wrId: 2, opcode: WrOpcode.SEND, sgList: [src.sge(4096, 700)], flags: SendFlags.SIGNALED },
      ]);
      await ctx.waitForCompletions(a, 'sends', 2);
      await ctx.waitForCompletions(b, 'recvs', 2);
      expect(a.sends.summaries()[1]).toEqual({ wrId: 2, status: 'SUCCESS', opcode: 'SEND' });
      expect(b.recvs.summaries()[1]).toEqual({ wrId: 91, status: 'SUCCESS', opcode: 'RECV', byteLen: 700 });
      expectSameBytes(dst.read(4096, 700), second, 'second message');
    },
  },

  'retry-exceeded': {
    title:
      'no ACKs at all → RETRY_EXC_ERR after retry_cnt retries (even unsignaled), the rest flushed in order',
    needsFaults: true,
    async run(ctx) {
      const { a, b } = ctx.connect({ timeout: TIMEOUT_CODE, retryCnt: 2 });
      const src = ctx.registered(a, 4096, AccessFlags.LOCAL_WRITE);
      src.write(0, patternBytes(256, 62));
      const dst = ctx.registered(b, 4096, AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE);
      b.qp.postRecv([
        { wrId: 90, sgList: [dst.sge(0, 1024)] },
        { wrId: 91, sgList: [dst.sge(1024, 1024)] },
      ]);

      ctx.faults.blackhole(60_000);
      a.qp.postSend([
        { wrId: 1, opcode: WrOpcode.SEND, sgList: [src.sge(0, 256)], flags: SendFlags.NONE },
        { wrId: 2, opcode: WrOpcode.SEND, sgList: [src.sge(0, 128)], flags: SendFlags.SIGNALED },
        {
          wrId: 3,
          opcode: WrOpcode.RDMA_WRITE,
          sgList: [src.sge(0, 64)],
          flags: SendFlags.NONE,
          rdma: dst.remote(2048),
        },
      ]);
      await ctx.waitForCompletions(a, 'sends', 3);
      expect(a.sends.summaries(), 'the failing unsignaled WR completes, then every later WR flushes').toEqual(
        [
          { wrId: 1, status: 'RETRY_EXC_ERR' },
          { wrId: 2, status: 'WR_FLUSH_ERR' },
          { wrId: 3, status: 'WR_FLUSH_ERR' },
        ],
      );
      expect(qpStateName(a.qp.state), 'requester QP state').toBe('ERR');
      expect(b.recvs.entries, 'nothing reached the responder').toHaveLength(0);
      expect(qpStateName(b.qp.state), 'the responder saw nothing and is still connected').toBe('RTS');
    },
  },

  'transient-partition-recovers': {
    title:
      'a partition shorter than retry_cnt ACK timeouts heals: SEND, WRITE and READ complete once, data intact',
    needsFaults: true,
    async run(ctx) {
      const { a, b } = ctx.connect({ timeout: TIMEOUT_CODE, retryCnt: 6 });
      const src = ctx.registered(a, 8192, AccessFlags.LOCAL_WRITE);
      const sent = patternBytes(2000, 63);
      const written = patternBytes(1500, 64);
      src.write(0, sent);
      src.write(4096, written);
      const inbox = ctx.registered(b, 4096, AccessFlags.LOCAL_WRITE);
      const window = ctx.registered(
        b,
        8192,
        AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_READ,
      );
      const remoteData = patternBytes(3000, 65);
      window.write(4096, remoteData);
      const readBack = ctx.registered(a, 4096, AccessFlags.LOCAL_WRITE);
      b.qp.postRecv([
        { wrId: 90, sgList: [inbox.sge(0, 4096)] },
        { wrId: 91, sgList: [inbox.sge(0, 4096)] },
      ]);

      // About 2.4 ACK timeouts of silence: the third retransmission gets through.
      ctx.faults.blackhole(10);
      a.qp.postSend([
        { wrId: 1, opcode: WrOpcode.SEND, sgList: [src.sge(0, 2000)], flags: SendFlags.SIGNALED },
        {
          wrId: 2,
          opcode: WrOpcode.RDMA_WRITE,
          sgList: [src.sge(4096, 1500)],
          flags: SendFlags.SIGNALED,
          rdma: window.remote(0),
        },
        {
          wrId: 3,
          opcode: WrOpcode.RDMA_READ,
          sgList: [readBack.sge(0, 3000)],
          flags: SendFlags.SIGNALED,
          rdma: window.remote(4096),
        },
      ]);
      await ctx.waitForCompletions(a, 'sends', 3);
      await ctx.elapse(50);
      expect(a.sends.summaries()).toEqual([
        { wrId: 1, status: 'SUCCESS', opcode: 'SEND' },
        { wrId: 2, status: 'SUCCESS', opcode: 'RDMA_WRITE' },
        { wrId: 3, status: 'SUCCESS', opcode: 'RDMA_READ', byteLen: 3000 },
      ]);
      expect(b.recvs.summaries(), 'the Send is delivered once').toEqual([
        { wrId: 90, status: 'SUCCESS', opcode: 'RECV', byteLen: 2000 },
      ]);
      expectSameBytes(inbox.read(0, 2000), sent, 'the Send payload');
      expectSameBytes(window.read(0, 1500), written, 'the WRITE payload');
      expectSameBytes(readBack.read(0, 3000), remoteData, 'the READ payload');
    },
  },
};
