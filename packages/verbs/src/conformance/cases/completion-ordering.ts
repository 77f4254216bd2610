import { expect } from 'vitest';
import { AccessFlags } from '../../constants/access-flags.js';
import { SendFlags } from '../../constants/send-flags.js';
import { WrOpcode } from '../../constants/wr-opcode.js';
import type { SendWr } from '../../work-request.js';
import type { CaseBodies } from '../conformance-case.js';
import { patternBytes } from '../host-buffer.js';
import { expectSameBytes } from './expectations.js';

const RW = AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_READ;

export const completionOrderingCases: CaseBodies = {
  'completion-ordering': {
    title:
      'mixed SEND/WRITE/READ complete in posting order; receives in order; a READ sees the WRITE before it',
    async run(ctx) {
      const { a, b } = ctx.connect();
      const src = ctx.registered(a, 4 * 4096, RW);
      const readBack = ctx.registered(a, 4 * 4096, RW);
      const window = ctx.registered(b, 4 * 4096, RW);
      const inbox = ctx.registered(b, 4 * 4096, RW);
      const lengths = [100, 2500, 40];
      const offsets = [0, 256, 3072];
      const messages = lengths.map((n, i) => patternBytes(n, 80 + i));
      const writes = [patternBytes(1800, 90), patternBytes(3000, 91)];
      for (const [i, m] of messages.entries()) src.write(offsets[i]!, m);
      for (const [i, w] of writes.entries()) src.write(8192 + i * 4096, w);
      b.qp.postRecv(messages.map((_, i) => ({ wrId: 101 + i, sgList: [inbox.sge(i * 4096, 4096)] })));

      const send = (wrId: number, i: number): SendWr => ({
        wrId,
        opcode: WrOpcode.SEND,
        sgList: [src.sge(offsets[i]!, lengths[i]!)],
        flags: SendFlags.SIGNALED,
      });
      const write = (wrId: number, i: number): SendWr => ({
        wrId,
        opcode: WrOpcode.RDMA_WRITE,
        sgList: [src.sge(8192 + i * 4096, writes[i]!.length)],
        flags: SendFlags.SIGNALED,
        rdma: window.remote(i * 4096),
      });
      // Each READ fetches the region the WRITE just before it filled: the responder executes in order.
      const read = (wrId: number, i: number): SendWr => ({
        wrId,
        opcode: WrOpcode.RDMA_READ,
        sgList: [readBack.sge(i * 4096, writes[i]!.length)],
        flags: SendFlags.SIGNALED,
        rdma: window.remote(i * 4096),
      });
      a.qp.postSend([send(1, 0), write(2, 0), read(3, 0), send(4, 1), write(5, 1), read(6, 1), send(7, 2)]);

      await ctx.waitForCompletions(a, 'sends', 7);
      await ctx.waitForCompletions(b, 'recvs', 3);
      expect(a.sends.summaries()).toEqual([
        { wrId: 1, status: 'SUCCESS', opcode: 'SEND' },
        { wrId: 2, status: 'SUCCESS', opcode: 'RDMA_WRITE' },
        { wrId: 3, status: 'SUCCESS', opcode: 'RDMA_READ', byteLen: 1800 },
        { wrId: 4, status: 'SUCCESS', opcode: 'SEND' },
        { wrId: 5, status: 'SUCCESS', opcode: 'RDMA_WRITE' },
        { wrId: 6, status: 'SUCCESS', opcode: 'RDMA_READ', byteLen: 3000 },
        { wrId: 7, status: 'SUCCESS', opcode: 'SEND' },
      ]);
      expect(b.recvs.summaries()).toEqual(
        lengths.map((n, i) => ({ wrId: 101 + i, status: 'SUCCESS', opcode: 'RECV', byteLen: n })),
      );
      for (const [i, m] of messages.entries()) {
        expectSameBytes(inbox.read(i * 4096, m.length), m, `message ${i + 1}`);
      }
      for (const [i, w] of writes.entries()) {
        expectSameBytes(readBack.read(i * 4096, w.length), w, `READ after WRITE ${i + 1}`);
      }
    },
  },
};
