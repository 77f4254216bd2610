import 'reflect-metadata';
import { XDRBUF_READ, type XdrDecoder, type XdrPageRange } from '@rdmalab/sunrpc';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../src/index.js';
import { chunkProcedures, PROC_READ, pagesWith, pattern, readPages } from './support/procedures.js';
import { buildStack, runCalls, type Stack } from './support/stack.js';

/** READ-like with a result after the data that repeats the data's length (count, eof, data<>, count). */
const PROC_READ_TRAILER = 5;
const LENGTH = 32768;

async function splitStack(): Promise<Stack> {
  let stack: Stack | undefined;
  stack = await buildStack({
    spec: PRESETS['linux-7.2'],
    procedures: {
      ...chunkProcedures(() => stack!.serverHost.memory),
      [PROC_READ_TRAILER]: {
        name: 'READ_TRAILER',
        handler: (call, results) => {
          const length = call.args.readUint('length');
          const memory = stack!.serverHost.memory;
          const pages = pagesWith(memory, pattern(length, 4), 'server:read-data');
          results.writeUint(length);
          results.writeBool(true);
          results.writeOpaquePages(pages, 0, length, XDRBUF_READ);
          results.writeUint(length);
          call.afterReply(() => {
            for (const p of pages) memory.free(p);
          });
        },
      },
    },
  });
  return stack;
}

function readCall(
  stack: Stack,
  proc: number,
  dst: XdrPageRange,
  hints: { replyHeadBytes?: number; replyMaxBytes?: number },
  trailer: boolean,
) {
  return stack.client.call({
    proc,
    encodeArgs: (enc) => {
      enc.writeUint(LENGTH);
      enc.writeUint(4);
    },
    replyPages: dst,
    ...hints,
    decodeResult: (dec: XdrDecoder) => {
      const count = dec.readUint('count');
      dec.readBool('eof');
      const n = dec.readOpaqueInto('data', dst);
      return { count, n, trailer: trailer ? dec.readUint('trailer') : undefined };
    },
  });
}

describe('write-chunk replies are split at the head length the caller gives (ReplyPlacement.headLength)', () => {
  it('splits exactly with the hint even when a later result repeats the length word; the scan, without it, does not', async () => {
    const stack = await splitStack();
    const memory = stack.clientHost.memory;
    const dst = { pages: memory.allocPages(8, 'client:read-dst'), base: 0, length: LENGTH };
    const s = stack.transport.xprt.stats;
    // count + eof + the data's length word = 12 bytes of results before the data.
    const [hinted] = await runCalls(stack, [
      readCall(stack, PROC_READ_TRAILER, dst, { replyHeadBytes: 12 }, true),
    ]);
    expect(hinted).toEqual({ status: 'fulfilled', value: { count: LENGTH, n: LENGTH, trailer: LENGTH } });
    expect(readPages(dst, LENGTH)).toEqual(pattern(LENGTH, 4));
    expect([s.write_chunk_count, s.write_chunk_split_scans, s.write_chunk_head_mismatch]).toEqual([1, 0, 0]);

    // Without a hint the transport scans back for the last word equal to the bytes written — the
    // trailer — and the reply the decoder sees is shifted by it.
    const dst2 = { pages: memory.allocPages(8, 'client:read-dst2'), base: 0, length: LENGTH };
    const [scanned] = await runCalls(stack, [readCall(stack, PROC_READ_TRAILER, dst2, {}, true)]);
    expect(s.write_chunk_split_scans).toBe(1);
    expect(scanned.status === 'rejected' || scanned.value.trailer !== LENGTH).toBe(true);
  });

  it('takes an upper bound (the reply-size hint minus the pages, as NFS gives it) when nothing follows the data', async () => {
    const stack = await splitStack();
    const dst = { pages: stack.clientHost.memory.allocPages(8, 'client:read-dst'), base: 0, length: LENGTH };
    // headLength = replyMaxBytes − pages = 256, larger than the real 36-byte head: min(256, inline).
    const [r] = await runCalls(stack, [
      readCall(stack, PROC_READ, dst, { replyMaxBytes: LENGTH + 256 }, false),
    ]);
    expect(r).toEqual({ status: 'fulfilled', value: { count: LENGTH, n: LENGTH, trailer: undefined } });
    const s = stack.transport.xprt.stats;
    expect([s.write_chunk_count, s.write_chunk_split_scans, s.reply_chunk_count]).toEqual([1, 0, 0]);
  });
});
