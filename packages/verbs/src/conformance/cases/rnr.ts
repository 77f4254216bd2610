import { expect } from 'vitest';
import { AccessFlags } from '../../constants/access-flags.js';
import { qpStateName } from '../../constants/qp-state.js';
import { SendFlags } from '../../constants/send-flags.js';
import { WrOpcode } from '../../constants/wr-opcode.js';
import type { CaseBodies } from '../conformance-case.js';
import { patternBytes } from '../host-buffer.js';
import { expectSameBytes } from './expectations.js';

export const rnrCases: CaseBodies = {
  'rnr-retry-then-success': {
    title: 'a Send with no receive posted is RNR-retried (rnr_retry 7) and delivered once when one is posted',
    async run(ctx) {
      // RNR timer code 4 = 0.04 ms (ibv_modify_qp(3) min_rnr_timer table): many RNR NAK/retry
      // rounds fit in the wait below.
      const { a, b } = ctx.connect({ rnrRetry: 7, minRnrTimer: 4 });
      const src = ctx.registered(a, 4096, AccessFlags.LOCAL_WRITE);
      const data = patternBytes(1500, 50);
      src.write(0, data);
      a.qp.postSend([
        { wrId: 1, opcode: WrOpcode.SEND, sgList: [src.sge(0, 1500)], flags: SendFlags.SIGNALED },
      ]);

      await ctx.elapse(5);
      expect(a.sends.summaries(), 'nothing completes while the responder has no receive').toEqual([]);
      expect(qpStateName(a.qp.state), 'the requester keeps retrying').toBe('RTS');

      const dst = ctx.registered(b, 4096, AccessFlags.LOCAL_WRITE);
      b.qp.postRecv([
        { wrId: 90, sgList: [dst.sge(0, 2048)] },
        { wrId: 91, sgList: [dst.sge(2048, 2048)] },
      ]);
      await ctx.waitForCompletions(a, 'sends', 1);
      await ctx.waitForCompletions(b, 'recvs', 1);
      await ctx.elapse(20);
      expect(a.sends.summaries()).toEqual([{ wrId: 1, status: 'SUCCESS', opcode: 'SEND' }]);
      expect(b.recvs.summaries(), 'delivered exactly once').toEqual([
        { wrId: 90, status: 'SUCCESS', opcode: 'RECV', byteLen: 1500 },
      ]);
      expectSameBytes(dst.read(0, 1500), data, 'received message');
    },
  },

  'rnr-retry-exceeded': {
    title: 'RNR NAKs beyond rnr_retry → RNR_RETRY_EXC_ERR, the next WR flushed, requester QP to ERR',
    async run(ctx) {
      const { a, b } = ctx.connect({ rnrRetry: 2, minRnrTimer: 1 });
      const src = ctx.registered(a, 4096, AccessFlags.LOCAL_WRITE);
      src.write(0, patternBytes(64, 51));
      a.qp.postSend([
        { wrId: 1, opcode: WrOpcode.SEND, sgList: [src.sge(0, 64)], flags: SendFlags.SIGNALED },
        { wrId: 2, opcode: WrOpcode.SEND, sgList: [src.sge(0, 64)], flags: SendFlags.SIGNALED },
      ]);
      await ctx.waitForCompletions(a, 'sends', 2);
      expect(a.sends.summaries()).toEqual([
        { wrId: 1, status: 'RNR_RETRY_EXC_ERR' },
        { wrId: 2, status: 'WR_FLUSH_ERR' },
      ]);
      expect(qpStateName(a.qp.state), 'requester QP state').toBe('ERR');
      expect(b.recvs.entries, 'the responder delivered nothing').toHaveLength(0);
    },
  },
};
