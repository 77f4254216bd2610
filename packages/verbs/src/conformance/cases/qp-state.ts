import { expect } from 'vitest';
import { AccessFlags } from '../../constants/access-flags.js';
import { QpState, qpStateName } from '../../constants/qp-state.js';
import { SendFlags } from '../../constants/send-flags.js';
import { WrOpcode } from '../../constants/wr-opcode.js';
import type { QpAttributes } from '../../queue-pair.js';
import type { CaseBodies } from '../conformance-case.js';
import { patternBytes } from '../host-buffer.js';
import { createRcEndpoint, type RcEndpoint, rcPairOf, rcTransitions } from '../rc-pair.js';
import { expectSameBytes, expectVerbsError } from './expectations.js';

type ModifyAttrs = Partial<QpAttributes> & { state: QpState };

function expectState(endpoint: RcEndpoint, state: QpState, when: string): void {
  expect(qpStateName(endpoint.qp.state), `${endpoint.side}.qp.state ${when}`).toBe(qpStateName(state));
  expect(qpStateName(endpoint.qp.query().state), `${endpoint.side}.qp.query().state ${when}`).toBe(
    qpStateName(state),
  );
}

/** A modify that must fail with EINVAL, leave the state alone, and (if given) name `mention`. */
function expectRejected(endpoint: RcEndpoint, attrs: ModifyAttrs, what: string, mention?: RegExp): void {
  const before = endpoint.qp.state;
  const error = expectVerbsError(() => endpoint.qp.modify(attrs), 'EINVAL', what);
  if (mention) expect(error.message, `${what}: the message names the attribute`).toMatch(mention);
  expectState(endpoint, before, `after the rejected ${what}`);
}

export const qpStateCases: CaseBodies = {
  'qp-state-transitions': {
    title: 'RESET→INIT→RTR→RTS by modify-QP, posting rules per state, RTS→ERR→RESET→INIT',
    async run(ctx) {
      const a = createRcEndpoint(ctx.harness.a, 'a');
      const b = createRcEndpoint(ctx.harness.b, 'b');
      ctx.track(rcPairOf(a, b));
      const src = ctx.registered(a, 64, AccessFlags.LOCAL_WRITE);
      const dst = ctx.registered(b, 64, AccessFlags.LOCAL_WRITE);
      const message = patternBytes(48, 1);
      src.write(0, message);
      const send = { wrId: 1, opcode: WrOpcode.SEND, sgList: [src.sge(0, 48)], flags: SendFlags.SIGNALED };
      const recv = { wrId: 2, sgList: [dst.sge(0, 64)] };
      const ta = rcTransitions(a, b);
      const tb = rcTransitions(b, a);

      expectState(a, QpState.RESET, 'after createQp');
      expectVerbsError(() => a.qp.postSend([send]), 'EINVAL', 'postSend in RESET');
      expectVerbsError(() => b.qp.postRecv([recv]), 'EINVAL', 'postRecv in RESET');

      a.qp.modify(ta.init);
      b.qp.modify(tb.init);
      expectState(a, QpState.INIT, 'after modify to INIT');
      expectVerbsError(() => a.qp.postSend([send]), 'EINVAL', 'postSend in INIT');
      // Receives may be posted from INIT on, so they are ready before the first Send arrives.
      b.qp.postRecv([recv]);

      a.qp.modify(ta.rtr);
      b.qp.modify(tb.rtr);
      expectState(a, QpState.RTR, 'after modify to RTR');
      expectVerbsError(() => a.qp.postSend([send]), 'EINVAL', 'postSend in RTR');

      a.qp.modify(ta.rts);
      b.qp.modify(tb.rts);
      expectState(a, QpState.RTS, 'after modify to RTS');
      expectState(b, QpState.RTS, 'after modify to RTS');
      a.qp.modify({ state: QpState.RTS });
      expectState(a, QpState.RTS, 'after RTS→RTS');

      a.qp.postSend([send]);
      await ctx.waitForCompletions(a, 'sends', 1);
      await ctx.waitForCompletions(b, 'recvs', 1);
      expect(a.sends.summaries()).toEqual([{ wrId: 1, status: 'SUCCESS', opcode: 'SEND' }]);
      expect(b.recvs.summaries(), 'the receive posted in INIT takes the Send').toEqual([
        { wrId: 2, status: 'SUCCESS', opcode: 'RECV', byteLen: 48 },
      ]);
      expectSameBytes(dst.read(0, 48), message, 'received message');

      a.qp.modify({ state: QpState.ERR });
      expectState(a, QpState.ERR, 'after modify to ERR');
      a.qp.modify({ state: QpState.RESET });
      expectState(a, QpState.RESET, 'after ERR→RESET');
      a.qp.modify(ta.init);
      expectState(a, QpState.INIT, 'after RESET→INIT on a reset QP');
    },
  },

  'qp-invalid-transitions': {
    title: 'transitions the RC table lacks, missing and out-of-range attributes → EINVAL, state unchanged',
    async run(ctx) {
      const a = createRcEndpoint(ctx.harness.a, 'a');
      const b = createRcEndpoint(ctx.harness.b, 'b');
      ctx.track(rcPairOf(a, b));
      const t = rcTransitions(a, b);

      expectRejected(a, t.rtr, 'RESET→RTR');
      expectRejected(a, t.rts, 'RESET→RTS');
      expectRejected(
        a,
        { state: QpState.INIT, pkeyIndex: 0, accessFlags: AccessFlags.LOCAL_WRITE },
        'RESET→INIT without port',
        /port/,
      );
      a.qp.modify(t.init);

      expectRejected(a, t.rts, 'INIT→RTS');
      const { destQpNum: _omitted, ...rtrWithoutDest } = t.rtr;
      expectRejected(a, rtrWithoutDest, 'INIT→RTR without destQpNum', /destQpNum/);
      expectRejected(a, { ...t.rtr, minRnrTimer: 32 }, 'INIT→RTR with minRnrTimer 32', /minRnrTimer/);
      expectRejected(a, { ...t.rtr, rqPsn: 0x1000000 }, 'INIT→RTR with a 25-bit rqPsn', /rqPsn/);
      a.qp.modify(t.rtr);

      expectRejected(a, { ...t.rts, retryCnt: 8 }, 'RTR→RTS with retryCnt 8', /retryCnt/);
      expectRejected(a, t.init, 'RTR→INIT');
      a.qp.modify(t.rts);

      expectRejected(a, t.rtr, 'RTS→RTR');
      expectRejected(a, t.init, 'RTS→INIT');
      a.qp.modify({ state: QpState.ERR });
      expectRejected(a, { state: QpState.RTS }, 'ERR→RTS');
      expectRejected(a, t.init, 'ERR→INIT');
    },
  },

  'post-send-invalid-wr': {
    title: 'too many SGEs, missing rdma/reg fields → EINVAL with badWrIndex; earlier WRs still run',
    async run(ctx) {
      const pair = ctx.connect();
      const { a, b } = pair;
      const src = ctx.registered(a, 4096, AccessFlags.LOCAL_WRITE);
      const dst = ctx.registered(b, 4096, AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE);
      const data = patternBytes(256, 2);
      src.write(0, data);
      const write = {
        wrId: 1,
        opcode: WrOpcode.RDMA_WRITE,
        sgList: [src.sge(0, 256)],
        flags: SendFlags.SIGNALED,
        rdma: dst.remote(0),
      };
      const tooManySges = Array.from({ length: a.qp.cap.maxSendSge + 1 }, (_, i) => src.sge(i * 8, 8));
      const overfull = { wrId: 2, opcode: WrOpcode.SEND, sgList: tooManySges, flags: SendFlags.SIGNALED };

      const error = expectVerbsError(
        () => a.qp.postSend([write, overfull]),
        'EINVAL',
        'a Send with maxSendSge+1 SGEs',
      );
      expect(error.badWrIndex, 'badWrIndex points at the overfull WR').toBe(1);
      const noRdma = {
        wrId: 3,
        opcode: WrOpcode.RDMA_WRITE,
        sgList: [src.sge(0, 8)],
        flags: SendFlags.SIGNALED,
      };
      expect(
        expectVerbsError(() => a.qp.postSend([noRdma]), 'EINVAL', 'RDMA_WRITE without rdma').badWrIndex,
      ).toBe(0);
      const noReg = { wrId: 4, opcode: WrOpcode.REG_MR, sgList: [], flags: SendFlags.SIGNALED };
      expect(expectVerbsError(() => a.qp.postSend([noReg]), 'EINVAL', 'REG_MR without reg').badWrIndex).toBe(
        0,
      );
      const recvSges = Array.from({ length: b.qp.cap.maxRecvSge + 1 }, (_, i) => dst.sge(i * 8, 8));
      expectVerbsError(
        () => b.qp.postRecv([{ wrId: 5, sgList: recvSges }]),
        'EINVAL',
        'a receive with maxRecvSge+1 SGEs',
      );

      await ctx.waitForCompletions(a, 'sends', 1);
      expect(a.sends.summaries(), 'the WR before the bad one was posted and ran').toEqual([
        { wrId: 1, status: 'SUCCESS', opcode: 'RDMA_WRITE' },
      ]);
      expectSameBytes(dst.read(0, 256), data, 'written bytes');
      expect(qpStateName(a.qp.state), 'rejected posts leave the QP usable').toBe('RTS');
    },
  },
};
