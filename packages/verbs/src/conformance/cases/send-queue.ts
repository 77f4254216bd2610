import { expect } from 'vitest';
import { AccessFlags } from '../../constants/access-flags.js';
import { SendFlags } from '../../constants/send-flags.js';
import { WrOpcode } from '../../constants/wr-opcode.js';
import type { SendWr } from '../../work-request.js';
import type { CaseContext } from '../case-context.js';
import type { CaseBodies } from '../conformance-case.js';
import type { RegisteredBuffer } from '../host-buffer.js';
import { patternBytes } from '../host-buffer.js';
import { expectSameBytes, expectVerbsError } from './expectations.js';

const SLOT = 16;

/** An RDMA WRITE of 16 bytes into slot `i` of `dst`: no receive needed, so only the SQ limits it. */
function slotWrite(i: number, src: RegisteredBuffer, dst: RegisteredBuffer, flags: SendFlags): SendWr {
  return {
    wrId: i,
    opcode: WrOpcode.RDMA_WRITE,
    sgList: [src.sge(i * SLOT, SLOT)],
    flags,
    rdma: dst.remote(i * SLOT),
  };
}

/** An 8-WR Send Queue on a, and source/target slots for the WRITEs that fill it. */
function buffers(ctx: CaseContext, slots: number) {
  const pair = ctx.connect({ maxSendWr: 8 });
  const src = ctx.registered(pair.a, slots * SLOT, AccessFlags.LOCAL_WRITE);
  const dst = ctx.registered(pair.b, slots * SLOT, AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE);
  src.write(0, patternBytes(slots * SLOT, 40));
  return { pair, src, dst };
}

export const sendQueueCases: CaseBodies = {
  'send-queue-full': {
    title:
      'posting beyond cap.maxSendWr → ENOMEM at the first WR that does not fit; space returns on completion',
    async run(ctx) {
      const { pair, src, dst } = buffers(ctx, 64);
      const { a } = pair;
      const cap = a.qp.cap.maxSendWr;
      expect(cap, 'cap.maxSendWr').toBeGreaterThanOrEqual(8);
      const wrs = Array.from({ length: cap + 1 }, (_, i) => slotWrite(i, src, dst, SendFlags.SIGNALED));

      const error = expectVerbsError(
        () => a.qp.postSend(wrs),
        'ENOMEM',
        `posting ${cap + 1} WRs on a ${cap}-WR SQ`,
      );
      expect(error.badWrIndex, 'badWrIndex: the first WR that did not fit').toBe(cap);
      expect(a.qp.sendQueueUsed, 'sendQueueUsed with the SQ full').toBe(cap);
      expectVerbsError(() => a.qp.postSend([wrs[cap]!]), 'ENOMEM', 'posting one more while full');

      await ctx.waitForCompletions(a, 'sends', cap);
      expect(a.sends.summaries()).toEqual(
        wrs.slice(0, cap).map((wr) => ({ wrId: wr.wrId, status: 'SUCCESS', opcode: 'RDMA_WRITE' })),
      );
      expect(a.qp.sendQueueUsed, 'sendQueueUsed after every completion was polled').toBe(0);
      a.qp.postSend([wrs[cap]!]);
      await ctx.waitForCompletions(a, 'sends', cap + 1);
      expectSameBytes(dst.read(0, (cap + 1) * SLOT), src.read(0, (cap + 1) * SLOT), 'written slots');
    },
  },

  'unsignaled-retirement': {
    title:
      "unsignaled WRs: 'signaled-only' frees their slots only when a later signaled completion is reaped; 'each' frees each on completion",
    async run(ctx) {
      const { pair, src, dst } = buffers(ctx, 64);
      const { a } = pair;
      const cap = a.qp.cap.maxSendWr;
      const unsignaled = Array.from({ length: cap - 1 }, (_, i) => slotWrite(i, src, dst, SendFlags.NONE));
      const signaled = slotWrite(cap - 1, src, dst, SendFlags.SIGNALED);
      const landed = (count: number) => () =>
        dst.read(0, count * SLOT).every((byte, i) => byte === src.read(0, count * SLOT)[i]);

      a.qp.postSend(unsignaled);
      if (ctx.backend.sqRetirement === 'each') {
        await ctx.waitFor('every unsignaled WR retired (sendQueueUsed 0)', () => a.qp.sendQueueUsed === 0);
        expectSameBytes(dst.read(0, (cap - 1) * SLOT), src.read(0, (cap - 1) * SLOT), 'unsignaled WRITEs');
        expect(a.sendCq.depth + a.sends.entries.length, 'unsignaled WRs make no completion').toBe(0);
        a.qp.postSend([signaled]);
        await ctx.waitForCompletions(a, 'sends', 1);
        expect(a.sends.summaries()).toEqual([{ wrId: cap - 1, status: 'SUCCESS', opcode: 'RDMA_WRITE' }]);
        expect(a.qp.sendQueueUsed).toBe(0);
        return;
      }

      // signaled-only: never poll in this branch until the end — reaping is what frees the slots.
      await ctx.waitFor(`the ${cap - 1} unsignaled WRITEs landed at b`, landed(cap - 1), { reap: false });
      await ctx.elapse(50, { reap: false });
      expect(a.sendCq.depth, 'unsignaled WRs make no completion').toBe(0);
      expect(a.qp.sendQueueUsed, 'slots of completed unsignaled WRs stay taken').toBe(cap - 1);
      a.qp.postSend([signaled]);
      expect(a.qp.sendQueueUsed).toBe(cap);
      const extra = slotWrite(cap, src, dst, SendFlags.SIGNALED);
      expectVerbsError(() => a.qp.postSend([extra]), 'ENOMEM', 'posting while unsignaled WRs hold the SQ');
      await ctx.waitFor('the signaled completion queued on a.send', () => a.sendCq.depth === 1, {
        reap: false,
      });
      expect(a.qp.sendQueueUsed, 'a completion not yet reaped retires nothing').toBe(cap);
      const reaped = a.sendCq.poll(8);
      expect(reaped.map((wc) => ({ wrId: wc.wrId, status: wc.status }))).toEqual([
        { wrId: cap - 1, status: 0 },
      ]);
      expect(a.qp.sendQueueUsed, 'reaping the signaled completion retires every WR before it').toBe(0);
      a.qp.postSend([extra]);
      await ctx.waitForCompletions(a, 'sends', 1);
      expect(a.sends.summaries()).toEqual([{ wrId: cap, status: 'SUCCESS', opcode: 'RDMA_WRITE' }]);
    },
  },
};
