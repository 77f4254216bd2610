import { expect } from 'vitest';
import { AccessFlags } from '../../constants/access-flags.js';
import { QpState, qpStateName } from '../../constants/qp-state.js';
import { SendFlags } from '../../constants/send-flags.js';
import { WrOpcode } from '../../constants/wr-opcode.js';
import type { Sge } from '../../work-request.js';
import type { CaseContext } from '../case-context.js';
import type { CaseBodies } from '../conformance-case.js';
import { patternBytes } from '../host-buffer.js';
import type { RcPair } from '../rc-pair.js';

/**
 * Post a Send whose SGE `bad` fails the local protection check, then an unsignaled Send behind it:
 * the first completes LOC_PROT_ERR, the second WR_FLUSH_ERR, the QP goes to ERR, b receives nothing.
 */
async function expectLocalProtectionError(ctx: CaseContext, what: string, bad: (pair: RcPair) => Sge) {
  const pair = ctx.connect();
  const { a, b } = pair;
  const good = ctx.registered(a, 64, AccessFlags.LOCAL_WRITE);
  const dst = ctx.registered(b, 4096, AccessFlags.LOCAL_WRITE);
  b.qp.postRecv([{ wrId: 90, sgList: [dst.sge(0, 4096)] }]);
  a.qp.postSend([
    { wrId: 1, opcode: WrOpcode.SEND, sgList: [good.sge(0, 16), bad(pair)], flags: SendFlags.SIGNALED },
    { wrId: 2, opcode: WrOpcode.SEND, sgList: [good.sge(0, 16)], flags: SendFlags.NONE },
  ]);
  await ctx.waitForCompletions(a, 'sends', 2);
  expect(a.sends.summaries(), what).toEqual([
    { wrId: 1, status: 'LOC_PROT_ERR' },
    { wrId: 2, status: 'WR_FLUSH_ERR' },
  ]);
  expect(qpStateName(a.qp.state), `${what}: requester QP state`).toBe('ERR');
  await ctx.elapse(10);
  expect(b.recvs.entries, `${what}: the responder received nothing`).toHaveLength(0);
}

export const errorAndFlushCases: CaseBodies = {
  'local-protection-error': {
    title:
      'an SGE with a deregistered lkey, or past its MR’s end → LOC_PROT_ERR, the rest flushed, QP to ERR',
    async run(ctx) {
      await expectLocalProtectionError(ctx, 'SGE with the lkey of a deregistered MR', (pair) => {
        const gone = ctx.registered(pair.a, 4096, AccessFlags.LOCAL_WRITE);
        gone.write(0, patternBytes(64, 70));
        const sge = gone.sge(0, 64);
        gone.mr.deregister();
        return sge;
      });
      await expectLocalProtectionError(ctx, 'SGE running past the end of its MR', (pair) => {
        const short = ctx.registered(pair.a, 4096, AccessFlags.LOCAL_WRITE);
        return short.sge(4096 - 32, 64);
      });
    },
  },

  'post-in-err-flushes': {
    title: 'moving to ERR flushes posted receives; WRs posted in ERR are accepted and complete WR_FLUSH_ERR',
    async run(ctx) {
      const { a, b } = ctx.connect();
      const src = ctx.registered(a, 4096, AccessFlags.LOCAL_WRITE);
      const dst = ctx.registered(b, 4096, AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE);
      b.qp.postRecv([
        { wrId: 90, sgList: [dst.sge(0, 1024)] },
        { wrId: 91, sgList: [dst.sge(1024, 1024)] },
      ]);
      b.qp.modify({ state: QpState.ERR });
      await ctx.waitForCompletions(b, 'recvs', 2);
      expect(b.recvs.summaries(), 'receives outstanding at the move to ERR').toEqual([
        { wrId: 90, status: 'WR_FLUSH_ERR' },
        { wrId: 91, status: 'WR_FLUSH_ERR' },
      ]);
      b.qp.postRecv([{ wrId: 92, sgList: [dst.sge(2048, 1024)] }]);
      await ctx.waitForCompletions(b, 'recvs', 3);
      expect(b.recvs.summaries()[2], 'a receive posted in ERR').toEqual({ wrId: 92, status: 'WR_FLUSH_ERR' });

      a.qp.modify({ state: QpState.ERR });
      a.qp.postSend([
        { wrId: 1, opcode: WrOpcode.SEND, sgList: [src.sge(0, 64)], flags: SendFlags.SIGNALED },
        {
          wrId: 2,
          opcode: WrOpcode.RDMA_WRITE,
          sgList: [src.sge(0, 64)],
          flags: SendFlags.NONE,
          rdma: dst.remote(3072),
        },
      ]);
      await ctx.waitForCompletions(a, 'sends', 2);
      expect(a.sends.summaries(), 'sends posted in ERR, the unsignaled one too').toEqual([
        { wrId: 1, status: 'WR_FLUSH_ERR' },
        { wrId: 2, status: 'WR_FLUSH_ERR' },
      ]);
      expect(
        a.sends.entries.every((wc) => wc.qpNum === a.qp.qpNum),
        'flush completions carry qpNum',
      ).toBe(true);
    },
  },
};
