import { expect } from 'vitest';
import { AccessFlags } from '../../constants/access-flags.js';
import { Mtu } from '../../constants/mtu.js';
import { SendFlags } from '../../constants/send-flags.js';
import { WrOpcode } from '../../constants/wr-opcode.js';
import { DmaDirection } from '../../dma.js';
import type { CaseBodies } from '../conformance-case.js';
import { patternBytes } from '../host-buffer.js';
import { expectSameBytes, sentinel } from './expectations.js';

const RW = AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_READ;

export const sendRecvCases: CaseBodies = {
  'send-recv-multi-sge': {
    title: 'a Send gathered from 3 SGEs lands scattered over 2 receive SGEs, in order',
    async run(ctx) {
      const { a, b } = ctx.connect();
      const gather = [
        { page: ctx.mapped(a, DmaDirection.TO_DEVICE), offset: 5, length: 100 },
        { page: ctx.mapped(a, DmaDirection.TO_DEVICE), offset: 1000, length: 1500 },
        { page: ctx.mapped(a, DmaDirection.TO_DEVICE), offset: 4059, length: 37 },
      ];
      const pieces = gather.map((g, i) => patternBytes(g.length, 10 + i));
      for (const [i, g] of gather.entries()) g.page.write(g.offset, pieces[i]!);
      const message = new Uint8Array(1637);
      message.set(pieces[0]!, 0);
      message.set(pieces[1]!, 100);
      message.set(pieces[2]!, 1600);

      const r0 = ctx.registered(b, 4096, AccessFlags.LOCAL_WRITE);
      const r1 = ctx.mapped(b, DmaDirection.FROM_DEVICE);
      r0.fill(0xee);
      r1.fill(0xee);
      b.qp.postRecv([{ wrId: 50, sgList: [r0.sge(3, 700), r1.sge(10, 4000)] }]);
      a.qp.postSend([
        {
          wrId: 7,
          opcode: WrOpcode.SEND,
          sgList: gather.map((g) => g.page.sge(g.offset, g.length)),
          flags: SendFlags.SIGNALED,
        },
      ]);

      await ctx.waitForCompletions(a, 'sends', 1);
      await ctx.waitForCompletions(b, 'recvs', 1);
      expect(a.sends.summaries()).toEqual([{ wrId: 7, status: 'SUCCESS', opcode: 'SEND' }]);
      expect(b.recvs.summaries()).toEqual([{ wrId: 50, status: 'SUCCESS', opcode: 'RECV', byteLen: 1637 }]);
      const wc = b.recvs.entries[0]!;
      expect(wc.qpNum, 'receive completion qpNum').toBe(b.qp.qpNum);
      expect(wc.srcQp, 'receive completion srcQp').toBe(a.qp.qpNum);
      expectSameBytes(r0.read(3, 700), message.subarray(0, 700), 'first receive SGE');
      expectSameBytes(r1.read(10, 937), message.subarray(700), 'second receive SGE');
      expectSameBytes(r0.read(0, 3), sentinel(3, 0xee), 'bytes before the first receive SGE');
      expectSameBytes(r1.read(947, 64), sentinel(64, 0xee), 'bytes after the message in the second SGE');
    },
  },

  'send-with-imm': {
    title: 'SEND_WITH_IMM: the receive completion carries WITH_IMM and the 32-bit immediate',
    async run(ctx) {
      const { a, b } = ctx.connect();
      const src = ctx.registered(a, 64, AccessFlags.LOCAL_WRITE);
      const dst = ctx.registered(b, 64, AccessFlags.LOCAL_WRITE);
      src.write(0, patternBytes(64, 3));
      b.qp.postRecv([{ wrId: 51, sgList: [dst.sge(0, 64)] }]);
      a.qp.postSend([
        {
          wrId: 8,
          opcode: WrOpcode.SEND_WITH_IMM,
          sgList: [src.sge(0, 64)],
          flags: SendFlags.SIGNALED,
          immData: 0x89abcdef,
        },
      ]);
      await ctx.waitForCompletions(a, 'sends', 1);
      await ctx.waitForCompletions(b, 'recvs', 1);
      expect(a.sends.summaries()).toEqual([{ wrId: 8, status: 'SUCCESS', opcode: 'SEND' }]);
      expect(b.recvs.summaries()).toEqual([
        { wrId: 51, status: 'SUCCESS', opcode: 'RECV', byteLen: 64, immData: 0x89abcdef },
      ]);
      expectSameBytes(dst.read(0, 64), patternBytes(64, 3), 'received message');
    },
  },

  'zero-length-send': {
    title: 'a Send with no SGEs consumes one receive with byteLen 0 and writes nothing',
    async run(ctx) {
      const { a, b } = ctx.connect();
      const dst = ctx.registered(b, 64, AccessFlags.LOCAL_WRITE);
      dst.fill(0xee);
      b.qp.postRecv([{ wrId: 52, sgList: [dst.sge(0, 64)] }]);
      a.qp.postSend([{ wrId: 9, opcode: WrOpcode.SEND, sgList: [], flags: SendFlags.SIGNALED }]);
      await ctx.waitForCompletions(a, 'sends', 1);
      await ctx.waitForCompletions(b, 'recvs', 1);
      expect(a.sends.summaries()).toEqual([{ wrId: 9, status: 'SUCCESS', opcode: 'SEND' }]);
      expect(b.recvs.summaries()).toEqual([{ wrId: 52, status: 'SUCCESS', opcode: 'RECV', byteLen: 0 }]);
      expectSameBytes(dst.read(0, 64), sentinel(64, 0xee), 'receive buffer');
    },
  },

  'message-larger-than-mtu': {
    title: '10000-byte SEND, WRITE and READ over a 1024-byte path MTU, PSNs wrapping past 2^24',
    async run(ctx) {
      // Both sides start a few PSNs below 2^24, so every multi-packet message crosses the wrap.
      const { a, b } = ctx.connect({ pathMtu: Mtu.MTU_1024, sqPsn: { a: 0xfffffa, b: 0xfffffd } });
      const size = 10_000;
      const aSrc = ctx.registered(a, 3 * 4096, RW);
      const aDst = ctx.registered(a, 3 * 4096, RW);
      const bDst = ctx.registered(b, 3 * 4096, RW);
      const bWin = ctx.registered(b, 6 * 4096, RW);
      const bSrc = ctx.registered(b, 3 * 4096, RW);
      const sent = patternBytes(size, 4);
      const written = patternBytes(size, 5);
      const read = patternBytes(size, 6);
      const back = patternBytes(size, 7);
      aSrc.write(0, sent);
      bWin.write(100, read);
      bSrc.write(0, back);
      const aRecv = ctx.registered(a, 3 * 4096, RW);

      b.qp.postRecv([{ wrId: 60, sgList: [bDst.sge(0, 3 * 4096)] }]);
      a.qp.postRecv([{ wrId: 61, sgList: [aRecv.sge(0, 3 * 4096)] }]);
      const writeSrc = ctx.registered(a, 3 * 4096, RW);
      writeSrc.write(0, written);
      a.qp.postSend([
        { wrId: 1, opcode: WrOpcode.SEND, sgList: [aSrc.sge(0, size)], flags: SendFlags.SIGNALED },
        {
          wrId: 2,
          opcode: WrOpcode.RDMA_WRITE,
          sgList: [writeSrc.sge(0, size)],
          flags: SendFlags.SIGNALED,
          rdma: bWin.remote(100 + size + 8),
        },
        {
          wrId: 3,
          opcode: WrOpcode.RDMA_READ,
          sgList: [aDst.sge(0, size)],
          flags: SendFlags.SIGNALED,
          rdma: bWin.remote(100),
        },
      ]);
      b.qp.postSend([
        { wrId: 4, opcode: WrOpcode.SEND, sgList: [bSrc.sge(0, size)], flags: SendFlags.SIGNALED },
      ]);

      await ctx.waitForCompletions(a, 'sends', 3);
      await ctx.waitForCompletions(b, 'sends', 1);
      await ctx.waitForCompletions(a, 'recvs', 1);
      await ctx.waitForCompletions(b, 'recvs', 1);
      expect(a.sends.summaries()).toEqual([
        { wrId: 1, status: 'SUCCESS', opcode: 'SEND' },
        { wrId: 2, status: 'SUCCESS', opcode: 'RDMA_WRITE' },
        { wrId: 3, status: 'SUCCESS', opcode: 'RDMA_READ', byteLen: size },
      ]);
      expect(b.sends.summaries()).toEqual([{ wrId: 4, status: 'SUCCESS', opcode: 'SEND' }]);
      expect(b.recvs.summaries()).toEqual([{ wrId: 60, status: 'SUCCESS', opcode: 'RECV', byteLen: size }]);
      expect(a.recvs.summaries()).toEqual([{ wrId: 61, status: 'SUCCESS', opcode: 'RECV', byteLen: size }]);
      expectSameBytes(bDst.read(0, size), sent, 'a→b SEND payload');
      expectSameBytes(bWin.read(100 + size + 8, size), written, 'a→b RDMA WRITE payload');
      expectSameBytes(aDst.read(0, size), read, 'RDMA READ payload');
      expectSameBytes(aRecv.read(0, size), back, 'b→a SEND payload');
    },
  },
};
