import 'reflect-metadata';
import { PAGE_SIZE } from '@rdmalab/kernel';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../src/index.js';
import {
  chunkProcedures,
  decodeWriteResult,
  PROC_BIG,
  PROC_READ,
  PROC_WRITE,
  pagesWith,
  pattern,
  readPages,
  sum,
  writeArgs,
} from './support/procedures.js';
import { buildStack, decodeEcho, echoArgs, PROC_ECHO, runCalls, type Stack } from './support/stack.js';

async function chunkStack(): Promise<Stack> {
  let stack: Stack | undefined;
  stack = await buildStack({
    spec: PRESETS['linux-7.2'],
    procedures: chunkProcedures(() => stack!.serverHost.memory),
  });
  return stack;
}

describe('chunks and FRWR over the simulated HCA', () => {
  it('sends a 32 KiB WRITE payload as a read chunk the server RDMA-Reads', async () => {
    const stack = await chunkStack();
    const data = pattern(32768, 1);
    const pages = pagesWith(stack.clientHost.memory, data, 'client:page-cache');
    const [r] = await runCalls(stack, [
      stack.client.call({
        proc: PROC_WRITE,
        encodeArgs: writeArgs(pages, data.length),
        decodeResult: decodeWriteResult,
      }),
    ]);
    expect(r).toEqual({ status: 'fulfilled', value: { length: 32768, sum: sum(data) } });
    expect(stack.transport.xprt.stats.read_chunk_count).toBe(1);
    expect(stack.serverTransport.stats_.readChunks).toBe(1);
  });

  it('places a 32 KiB READ payload straight into the caller pages through a write chunk', async () => {
    const stack = await chunkStack();
    const dst = { pages: stack.clientHost.memory.allocPages(8, 'client:read-dst'), base: 0, length: 32768 };
    const [r] = await runCalls(stack, [
      stack.client.call({
        proc: PROC_READ,
        encodeArgs: (enc) => {
          enc.writeUint(32768);
          enc.writeUint(5);
        },
        replyPages: dst,
        decodeResult: (dec) => {
          const count = dec.readUint('count');
          const eof = dec.readBool('eof');
          const n = dec.readOpaqueInto('data', dst);
          return { count, eof, n };
        },
      }),
    ]);
    expect(r).toEqual({ status: 'fulfilled', value: { count: 32768, eof: true, n: 32768 } });
    expect(readPages(dst, 32768)).toEqual(pattern(32768, 5));
    expect(stack.transport.xprt.stats.write_chunk_count).toBe(1);
    expect(stack.serverTransport.stats_.writeChunks).toBe(1);
  });

  it('takes a long reply through a reply chunk and a long call through a position-zero read chunk', async () => {
    const stack = await chunkStack();
    const [big] = await runCalls(stack, [
      stack.client.call({
        proc: PROC_BIG,
        encodeArgs: (enc) => enc.writeUint(10000),
        replyMaxBytes: 12000,
        decodeResult: decodeEcho,
      }),
    ]);
    expect(big).toEqual({ status: 'fulfilled', value: pattern(10000, 3) });
    const long = pattern(6000, 9);
    const [echo] = await runCalls(stack, [
      stack.client.call({
        proc: PROC_ECHO,
        encodeArgs: echoArgs(long),
        replyMaxBytes: 8000,
        decodeResult: decodeEcho,
      }),
    ]);
    expect(echo).toEqual({ status: 'fulfilled', value: long });
    const s = stack.transport.xprt.stats;
    expect(s.reply_chunk_count).toBe(2);
    expect(s.read_chunk_count).toBe(1);
    expect(stack.serverTransport.stats_.replyChunks).toBe(2);
  });

  it('lets the server invalidate one MR with Send With Invalidate and invalidates the rest locally, leaking no mapping', async () => {
    const stack = await chunkStack();
    const dma = stack.clientHost.device.dma;
    const baseline = dma.mappedCount;
    const data = pattern(20000, 2);
    const pages = pagesWith(stack.clientHost.memory, data, 'client:page-cache');
    const calls = [];
    for (let i = 0; i < 6; i++) {
      calls.push(
        stack.client.call({
          proc: PROC_WRITE,
          encodeArgs: writeArgs(pages, data.length),
          replyMaxBytes: 128,
          decodeResult: decodeWriteResult,
        }),
      );
    }
    const results = await runCalls(stack, calls);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(stack.serverTransport.stats_.sendWithInvalidate).toBe(6);
    expect(stack.transport.xprt.stats.local_inv_needed).toBe(0);
    expect(stack.transport.xprt.stats.reply_chunk_count).toBe(0);
    await stack.fabric.settle(() => false, { timeoutNs: 10_000_000 });
    expect(dma.mappedCount).toBe(baseline);
    expect(stack.transport.xprt.ep!.frwr.available).toBe(stack.transport.xprt.ep!.sizing.mrCount);
    expect(PAGE_SIZE).toBe(4096);
  });
});
