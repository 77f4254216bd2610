import { PAGE_SIZE } from '@rdmalab/kernel';
import { expect } from 'vitest';
import { AccessFlags } from '../../constants/access-flags.js';
import { qpStateName } from '../../constants/qp-state.js';
import { SendFlags } from '../../constants/send-flags.js';
import { WrOpcode } from '../../constants/wr-opcode.js';
import { DmaDirection } from '../../dma.js';
import type { FastRegMr } from '../../memory-region.js';
import type { CaseContext } from '../case-context.js';
import type { CaseBodies } from '../conformance-case.js';
import { HostPages, patternBytes } from '../host-buffer.js';
import type { RcEndpoint } from '../rc-pair.js';
import { expectSameBytes, sentinel } from './expectations.js';

const FRWR_ACCESS = AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_READ;
const PAGES = 2;

/** A fast-registration MR over two DMA-mapped pages, as xprtrdma's frwr_ops builds one. */
interface Frwr {
  mr: FastRegMr;
  memory: HostPages;
  addresses: number[];
}

function allocFrwr(endpoint: RcEndpoint): Frwr {
  const pages = endpoint.device.memory.allocPages(PAGES, `conformance:${endpoint.side}:frwr`);
  const addresses = pages.map((p) =>
    endpoint.device.dma.mapPage(p, 0, PAGE_SIZE, DmaDirection.BIDIRECTIONAL),
  );
  const mr = endpoint.pd.allocFastRegMr(PAGES);
  expect(mr.state, 'a new fast-registration MR').toBe('FREE');
  const memory = new HostPages(pages);
  memory.fill(0xee);
  return { mr, memory, addresses };
}

/** ib_map_mr_sg, then post REG_MR with the MR's current key and wait for its completion. */
async function register(ctx: CaseContext, endpoint: RcEndpoint, frwr: Frwr, wrId: number): Promise<void> {
  expect(frwr.mr.mapSg(frwr.addresses, 0, PAGES * PAGE_SIZE), 'pages taken by mapSg').toBe(PAGES);
  const before = endpoint.sends.entries.length;
  endpoint.qp.postSend([
    {
      wrId,
      opcode: WrOpcode.REG_MR,
      sgList: [],
      flags: SendFlags.SIGNALED,
      reg: { mr: frwr.mr, key: frwr.mr.rkey, access: FRWR_ACCESS },
    },
  ]);
  await ctx.waitForCompletions(endpoint, 'sends', before + 1);
  expect(endpoint.sends.summaries().at(-1)).toEqual({ wrId, status: 'SUCCESS', opcode: 'REG_MR' });
  expect(frwr.mr.state, 'after REG_MR').toBe('VALID');
}

/** `from` RDMA-WRITEs `data` to `rkey` at the MR's iova + offset and waits for the completion. */
async function writeTo(
  ctx: CaseContext,
  from: RcEndpoint,
  frwr: Frwr,
  rkey: number,
  offset: number,
  data: Uint8Array,
  wrId: number,
): Promise<void> {
  const src = ctx.registered(from, data.length, AccessFlags.LOCAL_WRITE);
  src.write(0, data);
  const before = from.sends.entries.length;
  from.qp.postSend([
    {
      wrId,
      opcode: WrOpcode.RDMA_WRITE,
      sgList: [src.sge(0, data.length)],
      flags: SendFlags.SIGNALED,
      rdma: { remoteAddr: frwr.mr.iova + offset, rkey },
    },
  ]);
  await ctx.waitForCompletions(from, 'sends', before + 1);
}

export const memoryRegistrationCases: CaseBodies = {
  'send-with-invalidate': {
    title:
      'SEND_WITH_INV invalidates the rkey at the responder (WITH_INVALIDATE + rkey); later RDMA to it fails',
    async run(ctx) {
      const { a, b } = ctx.connect();
      const frwr = allocFrwr(a);
      await register(ctx, a, frwr, 100);
      const rkey = frwr.mr.rkey;

      const first = patternBytes(100, 30);
      await writeTo(ctx, b, frwr, rkey, 10, first, 1);
      expect(b.sends.summaries()).toEqual([{ wrId: 1, status: 'SUCCESS', opcode: 'RDMA_WRITE' }]);
      expectSameBytes(frwr.memory.read(10, 100), first, 'bytes written through the valid rkey');

      const inbox = ctx.registered(a, 64, AccessFlags.LOCAL_WRITE);
      const note = ctx.registered(b, 32, AccessFlags.LOCAL_WRITE);
      note.write(0, patternBytes(32, 31));
      a.qp.postRecv([{ wrId: 80, sgList: [inbox.sge(0, 64)] }]);
      b.qp.postSend([
        {
          wrId: 2,
          opcode: WrOpcode.SEND_WITH_INV,
          sgList: [note.sge(0, 32)],
          flags: SendFlags.SIGNALED,
          invalidateRkey: rkey,
        },
      ]);
      await ctx.waitForCompletions(b, 'sends', 2);
      await ctx.waitForCompletions(a, 'recvs', 1);
      expect(b.sends.summaries()[1]).toEqual({ wrId: 2, status: 'SUCCESS', opcode: 'SEND' });
      expect(a.recvs.summaries(), 'the receive reports WITH_INVALIDATE and the rkey').toEqual([
        { wrId: 80, status: 'SUCCESS', opcode: 'RECV', byteLen: 32, invalidatedRkey: rkey },
      ]);
      expectSameBytes(inbox.read(0, 32), patternBytes(32, 31), 'the SEND_WITH_INV payload');
      expect(frwr.mr.state, 'the MR after the peer invalidated it').toBe('INVALID');

      await writeTo(ctx, b, frwr, rkey, 200, patternBytes(50, 32), 3);
      expect(b.sends.summaries()[2], 'an RDMA WRITE to the invalidated rkey').toEqual({
        wrId: 3,
        status: 'REM_ACCESS_ERR',
      });
      expectSameBytes(frwr.memory.read(200, 50), sentinel(50, 0xee), 'memory behind the invalidated rkey');
      expect(qpStateName(b.qp.state)).toBe('ERR');
    },
  },

  'reg-mr-local-inv': {
    title:
      'REG_MR makes an rkey valid, LOCAL_INV revokes it; after updateKey + REG_MR only the new key works',
    async run(ctx) {
      const { a, b } = ctx.connect();
      const frwr = allocFrwr(a);
      await register(ctx, a, frwr, 100);
      const oldKey = frwr.mr.rkey;

      const first = patternBytes(300, 33);
      await writeTo(ctx, b, frwr, oldKey, 4000, first, 1);
      expect(b.sends.summaries()).toEqual([{ wrId: 1, status: 'SUCCESS', opcode: 'RDMA_WRITE' }]);
      expectSameBytes(frwr.memory.read(4000, 300), first, 'bytes written across the two pages');

      a.qp.postSend([
        {
          wrId: 101,
          opcode: WrOpcode.LOCAL_INV,
          sgList: [],
          flags: SendFlags.SIGNALED,
          invalidateRkey: oldKey,
        },
      ]);
      await ctx.waitForCompletions(a, 'sends', 2);
      expect(a.sends.summaries()[1]).toEqual({ wrId: 101, status: 'SUCCESS', opcode: 'LOCAL_INV' });
      expect(frwr.mr.state, 'after LOCAL_INV').toBe('INVALID');

      frwr.mr.updateKey(((oldKey & 0xff) + 1) & 0xff);
      const newKey = frwr.mr.rkey;
      expect(newKey, 'updateKey changes the key').not.toBe(oldKey);
      expect(newKey >>> 8, 'updateKey keeps the index part').toBe(oldKey >>> 8);
      await register(ctx, a, frwr, 102);

      const second = patternBytes(300, 34);
      await writeTo(ctx, b, frwr, newKey, 0, second, 2);
      expect(b.sends.summaries()[1]).toEqual({ wrId: 2, status: 'SUCCESS', opcode: 'RDMA_WRITE' });
      expectSameBytes(frwr.memory.read(0, 300), second, 'bytes written through the new key');

      await writeTo(ctx, b, frwr, oldKey, 1000, patternBytes(64, 35), 3);
      expect(b.sends.summaries()[2], 'an RDMA WRITE with the stale key').toEqual({
        wrId: 3,
        status: 'REM_ACCESS_ERR',
      });
      expectSameBytes(frwr.memory.read(1000, 64), sentinel(64, 0xee), 'memory behind the stale key');
    },
  },
};
