import 'reflect-metadata';
import { SimFabric } from '@rdmalab/hca-sim';
import {
  AcceptStat,
  AUTH_NONE,
  encodeAcceptedReplyHeader,
  RpcClient,
  RpcTransportReplyError,
  XdrEncoder,
} from '@rdmalab/sunrpc';
import { describe, expect, it } from 'vitest';
import { buildPolicies, PRESETS, RdmaClientTransport, RdmaErrcode, RdmaProc } from '../src/index.js';
import { chunkProcedures, PROC_BIG, pattern } from './support/procedures.js';
import { listenScripted } from './support/scripted-server.js';
import { buildStack, decodeEcho, echoArgs, PROC_ECHO, runCalls, type Stack } from './support/stack.js';

/** The stacks' RPC timeout is 200 ms of virtual time: "at once" means long before it. */
const AT_ONCE_NS = 1_000_000;

describe('RDMA_ERROR replies fail the RPC at once (sunrpc onReplyError)', () => {
  it('ERR_CHUNK: a reply that fits neither inline nor an offered reply chunk fails with the code; the connection survives', async () => {
    let stack: Stack | undefined;
    stack = await buildStack({
      spec: PRESETS['linux-7.2'],
      procedures: chunkProcedures(() => stack!.serverHost.memory),
    });
    const big = (length: number, replyMaxBytes?: number) =>
      stack!.client.call({
        proc: PROC_BIG,
        encodeArgs: (enc) => enc.writeUint(length),
        replyMaxBytes,
        decodeResult: decodeEcho,
      });
    const start = stack.fabric.scheduler.now();
    // No size hint: the transport expects an inline reply and offers no reply chunk.
    const [failed] = await runCalls(stack, [big(6000)]);
    expect(failed.status).toBe('rejected');
    const error = (failed as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(RpcTransportReplyError);
    expect(error).toMatchObject({ code: 'ERR_CHUNK', transportName: 'rdma' });
    expect(stack.fabric.scheduler.now() - start).toBeLessThan(AT_ONCE_NS);
    const s = stack.transport.xprt.stats;
    expect([s.rdma_error_count, s.err_chunk_count, s.reply_chunk_count]).toEqual([1, 1, 0]);
    expect(stack.serverTransport.stats_.errChunk).toBe(1);
    // The connection survives: no reconnect, no retransmission, and the next RPCs work.
    const [echo, hinted] = await runCalls(stack, [
      stack.client.call({ proc: PROC_ECHO, encodeArgs: echoArgs(pattern(100, 1)), decodeResult: decodeEcho }),
      big(6000, 8000),
    ]);
    expect(echo).toEqual({ status: 'fulfilled', value: pattern(100, 1) });
    expect(hinted).toEqual({ status: 'fulfilled', value: pattern(6000, 3) });
    expect([s.connects, s.disconnects, s.reply_chunk_count]).toEqual([1, 0, 1]);
    expect(stack.client.stats.get(0x20000099, 1, PROC_BIG)).toMatchObject({
      ops: 2,
      errors: 1,
      retransmits: 0,
    });
  });

  it('ERR_VERS: the error carries the version range the server speaks; the next RPC on the same connection works', async () => {
    const fabric = new SimFabric({ seed: 3, tap: false });
    const clientHost = fabric.addHost('client', { ip: '10.0.0.1', memoryPages: 1024 });
    const serverHost = fabric.addHost('server', { ip: '10.0.0.2', memoryPages: 1024 });
    const scheduler = fabric.scheduler;
    const server = listenScripted(serverHost, 20049, (call, _inline, n) => {
      if (n === 0) {
        return {
          header: {
            xid: call.xid,
            credits: 8,
            proc: RdmaProc.RDMA_ERROR,
            err: RdmaErrcode.ERR_VERS,
            versLow: 2,
            versHigh: 3,
          },
        };
      }
      const enc = new XdrEncoder();
      encodeAcceptedReplyHeader(enc, call.xid, AUTH_NONE, AcceptStat.SUCCESS);
      enc.writeUint(42);
      const body = enc.finish().toBytes();
      return {
        header: {
          xid: call.xid,
          credits: 8,
          proc: RdmaProc.RDMA_MSG,
          readList: [],
          writeList: [],
          replyChunk: null,
        },
        body,
      };
    });
    const transport = new RdmaClientTransport({
      cm: clientHost.cm,
      host: '10.0.0.2',
      port: 20049,
      scheduler,
      policies: buildPolicies(PRESETS['linux-7.2'], scheduler),
      maxRequests: 8,
    });
    const client = new RpcClient({
      transport,
      scheduler,
      program: 0x20000001,
      version: 1,
      timeout: { initialNs: 200_000_000, retries: 3 },
    });
    const call = () => client.call({ proc: 1, decodeResult: (dec) => dec.readUint('answer') });
    const settle = async <T>(p: Promise<T>): Promise<PromiseSettledResult<T>> => {
      let done = false;
      const r = p.then(
        (value) => ({ status: 'fulfilled' as const, value }),
        (reason: unknown) => ({ status: 'rejected' as const, reason }),
      );
      void r.then(() => (done = true));
      await fabric.settle(() => done, { timeoutNs: 2_000_000_000 });
      return r;
    };
    const first = await settle(call());
    const afterFirst = scheduler.now();
    expect(first.status).toBe('rejected');
    const error = (first as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(RpcTransportReplyError);
    expect(error).toMatchObject({ code: 'ERR_VERS', mismatch: { low: 2, high: 3 } });
    expect((error as Error).message).toContain('peer speaks versions 2..3');
    // Failed when the error arrived, not at the 200 ms timeout.
    expect(afterFirst).toBeLessThan(AT_ONCE_NS * 10);
    expect(await settle(call())).toEqual({ status: 'fulfilled', value: 42 });
    expect(server.calls).toBe(2);
    const s = transport.xprt.stats;
    expect([s.err_vers_count, s.connects, s.disconnects, s.rpcs_completed]).toEqual([1, 1, 0, 2]);
    expect(transport.xprt.credits).toBe(8);
  });
});
