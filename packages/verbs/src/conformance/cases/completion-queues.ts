import { expect } from 'vitest';
import { AccessFlags } from '../../constants/access-flags.js';
import { AsyncEventType } from '../../constants/async-event.js';
import { SendFlags } from '../../constants/send-flags.js';
import { WrOpcode } from '../../constants/wr-opcode.js';
import type { AsyncEvent } from '../../device.js';
import type { CompletionHandler, SendWr } from '../../work-request.js';
import type { CompletionLog } from '../completion-log.js';
import type { CaseBodies } from '../conformance-case.js';
import { patternBytes } from '../host-buffer.js';
import { expectVerbsError } from './expectations.js';

const LW = AccessFlags.LOCAL_WRITE;

/** A WR-specific handler (ib_cqe) that appends to the same log, so delivery order stays visible. */
function cqeInto(log: CompletionLog, viaCqe: number[]): CompletionHandler {
  return {
    done: (wc) => {
      viaCqe.push(wc.wrId);
      log.record(wc);
    },
  };
}

export const completionQueueCases: CaseBodies = {
  'cq-poll-mode': {
    title:
      'poll(max) returns completions in order; reqNotify fires once per arm; solicited-only waits for SE',
    async run(ctx) {
      const { a, b } = ctx.connect({ cqMode: 'poll' });
      const src = ctx.registered(a, 4096, LW);
      src.write(0, patternBytes(4096, 100));
      const dst = ctx.registered(b, 8 * 256, LW);
      b.qp.postRecv(
        Array.from({ length: 5 }, (_, i) => ({ wrId: 101 + i, sgList: [dst.sge(i * 256, 256)] })),
      );
      const send = (wrId: number, flags: SendFlags): SendWr => ({
        wrId,
        opcode: WrOpcode.SEND,
        sgList: [src.sge(wrId * 16, 16)],
        flags,
      });

      b.recvCq.reqNotify(false);
      a.qp.postSend([send(1, SendFlags.SIGNALED), send(2, SendFlags.SIGNALED), send(3, SendFlags.SIGNALED)]);
      await ctx.waitFor('3 completions queued on b.recv', () => b.recvCq.depth === 3, { reap: false });
      expect(b.recvs.events, 'an armed CQ fires one event, however many completions arrive').toBe(1);
      expect(
        b.recvCq.poll(2).map((wc) => wc.wrId),
        'poll(2)',
      ).toEqual([101, 102]);
      expect(b.recvCq.depth, 'depth after poll(2)').toBe(1);
      expect(
        b.recvCq.poll(10).map((wc) => wc.wrId),
        'poll(10)',
      ).toEqual([103]);
      expect(b.recvCq.poll(10), 'poll on an empty CQ').toEqual([]);

      b.recvCq.reqNotify(true);
      a.qp.postSend([send(4, SendFlags.SIGNALED)]);
      await ctx.waitFor('the unsolicited Send queued on b.recv', () => b.recvCq.depth === 1, { reap: false });
      await ctx.elapse(5, { reap: false });
      expect(b.recvs.events, 'solicited-only: an unsolicited receive does not fire').toBe(1);
      a.qp.postSend([send(5, SendFlags.SIGNALED | SendFlags.SOLICITED)]);
      await ctx.waitFor('the solicited-only event on b.recv', () => b.recvs.events === 2, { reap: false });
      expect(b.recvCq.poll(10).map((wc) => wc.wrId)).toEqual([104, 105]);
      expect(a.sends.events, 'a CQ that was never armed fires nothing').toBe(0);

      const callbackCq = b.device.createCq({ capacity: 4, mode: 'callback', onCompletion: () => {} });
      expectVerbsError(() => callbackCq.poll(1), 'EINVAL', 'poll on a callback-mode CQ');
      callbackCq.destroy();
    },
  },

  'cq-callback-mode': {
    title:
      'callback CQs deliver every completion in order across budget-limited passes, to cqe.done or onCompletion',
    async run(ctx) {
      const { a, b } = ctx.connect({ cqMode: 'callback', cqBudget: 2 });
      const src = ctx.registered(a, 4096, LW);
      src.write(0, patternBytes(4096, 101));
      const dst = ctx.registered(b, 8 * 256, LW);
      const recvViaCqe: number[] = [];
      const sendViaCqe: number[] = [];
      b.qp.postRecv(
        Array.from({ length: 6 }, (_, i) => ({
          wrId: 201 + i,
          sgList: [dst.sge(i * 256, 256)],
          ...(i % 2 === 0 ? { cqe: cqeInto(b.recvs, recvViaCqe) } : {}),
        })),
      );
      a.qp.postSend(
        Array.from({ length: 6 }, (_, i) => ({
          wrId: 1 + i,
          opcode: WrOpcode.SEND,
          sgList: [src.sge(i * 32, 32)],
          flags: SendFlags.SIGNALED,
          ...(i % 2 === 1 ? { cqe: cqeInto(a.sends, sendViaCqe) } : {}),
        })),
      );
      expectVerbsError(() => a.sendCq.poll(1), 'EINVAL', 'poll on a callback-mode CQ');

      await ctx.waitForCompletions(a, 'sends', 6);
      await ctx.waitForCompletions(b, 'recvs', 6);
      await ctx.elapse(5);
      expect(a.sends.summaries(), 'send completions, once each, in order').toEqual(
        [1, 2, 3, 4, 5, 6].map((wrId) => ({ wrId, status: 'SUCCESS', opcode: 'SEND' })),
      );
      expect(b.recvs.summaries(), 'receive completions, once each, in order').toEqual(
        [201, 202, 203, 204, 205, 206].map((wrId) => ({
          wrId,
          status: 'SUCCESS',
          opcode: 'RECV',
          byteLen: 32,
        })),
      );
      expect(sendViaCqe, 'send WRs with a cqe went to cqe.done').toEqual([2, 4, 6]);
      expect(recvViaCqe, 'receive WRs with a cqe went to cqe.done').toEqual([201, 203, 205]);
      expect(b.recvCq.depth, 'the poller drained the CQ').toBe(0);
    },
  },

  'cq-overflow': {
    title: 'more completions than a CQ holds → IBV_EVENT_CQ_ERR on the device',
    async run(ctx) {
      const { a, b } = ctx.connect({ cqCapacity: 4, maxSendWr: 64 });
      const events: AsyncEvent[] = [];
      b.device.onAsyncEvent((e) => events.push(e));
      const capacity = b.recvCq.capacity;
      expect(capacity, 'recvCq.capacity').toBeGreaterThanOrEqual(4);
      const count = capacity + 1;
      expect(count, 'the overflow fits in the Send Queue').toBeLessThanOrEqual(a.qp.cap.maxSendWr);
      const src = ctx.registered(a, 4096, LW);
      const dst = ctx.registered(b, count * 16, LW);
      b.qp.postRecv(
        Array.from({ length: count }, (_, i) => ({ wrId: 300 + i, sgList: [dst.sge(i * 16, 16)] })),
      );
      // Only the last Send is signaled, so a's own (equally small) send CQ stays within capacity.
      a.qp.postSend(
        Array.from({ length: count }, (_, i) => ({
          wrId: i,
          opcode: WrOpcode.SEND,
          sgList: [src.sge(0, 16)],
          flags: i === count - 1 ? SendFlags.SIGNALED : SendFlags.NONE,
        })),
      );
      // b never polls its receive CQ, so the capacity+1st receive completion has nowhere to go.
      await ctx.waitFor('an async event on b', () => events.length > 0, { reap: false });
      expect(events.map((e) => e.type)).toContain(AsyncEventType.CQ_ERR);
    },
  },
};
