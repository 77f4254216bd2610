import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import {
  encodeDeniedReply,
  RejectStat,
  RPC_REPLY_HEADER_BYTES,
  RpcDeniedError,
  RpcError,
  type RpcRequest,
  RpcTransportReplyError,
  XdrBuf,
  type XdrDecoder,
  XdrEncoder,
} from '../src/index.js';
import { echo, S, setupEchoClient as setup, successReply, track } from './support/echo-client.js';

describe('RpcClient task state machine (virtual time)', () => {
  it('retransmits on minor timeouts with growing timeouts and the same xid, then fails on the major one', async () => {
    const { scheduler, transport, client } = setup();
    const call = track(echo(client, 7));
    await scheduler.runUntilIdleAsync();
    expect(call.done).toBe(true);
    expect(call.error).toBeInstanceOf(RpcError);
    expect((call.error as RpcError).code).toBe('ETIMEDOUT');
    expect(transport.sent.map((s) => s.at)).toEqual([0, 1 * S, 3 * S]);
    expect(transport.sent.map((s) => s.xid)).toEqual([0x1000, 0x1000, 0x1000]);
    expect(transport.sent.map((s) => s.transmissions)).toEqual([0, 1, 2]);
    // The bytes on the wire are identical at each retransmission.
    expect(new Set(transport.sent.map((s) => Buffer.from(s.bytes).toString('hex'))).size).toBe(1);
    expect(scheduler.now()).toBe(6 * S);
    expect(client.stats.get(400000, 1, 1)).toMatchObject({
      name: 'ECHO',
      ops: 1,
      transmissions: 3,
      retransmits: 2,
      timeouts: 1,
      errors: 1,
      executeNs: 6 * S,
    });
    expect(transport.slotsInUse).toBe(0);
  });

  it('exponential backoff is capped at the maximum', async () => {
    const { scheduler, transport, client } = setup({
      timeout: { exponential: true, initialNs: 1 * S, maxNs: 4 * S, retries: 4 },
    });
    track(echo(client, 1));
    await scheduler.runUntilIdleAsync();
    expect(transport.sent.map((s) => s.at / S)).toEqual([0, 1, 3, 7, 11]);
    expect(scheduler.now()).toBe(15 * S);
  });

  it('a hard call survives major timeouts and completes when the reply finally comes', async () => {
    const { scheduler, transport, client } = setup({ timeout: { soft: false, retries: 1, incrementNs: 0 } });
    const call = track(echo(client, 5));
    await scheduler.runUntilAsync(10.5 * S);
    expect(call.done).toBe(false);
    expect(transport.sent.length).toBe(11);
    transport.reply(0x1000, successReply(0x1000, 5));
    await scheduler.runUntilIdleAsync();
    expect(call.value).toBe(5);
    expect(client.stats.get(400000, 1, 1)!.timeouts).toBe(5);
  });

  it('completes on the reply, and ignores duplicate and unmatched replies', async () => {
    const { scheduler, transport, client } = setup();
    transport.onSend = (req) => {
      scheduler.setTimer(0.25 * S, () => {
        transport.reply(req.xid, successReply(req.xid, 99));
        transport.reply(req.xid, successReply(req.xid, 100)); // ignored: the task already has one
        transport.reply(0xdead, successReply(0xdead, 1));
      });
      scheduler.setTimer(0.5 * S, () => transport.reply(req.xid, successReply(req.xid, 101)));
    };
    const call = track(echo(client, 1));
    await scheduler.runUntilIdleAsync();
    expect(call.value).toBe(99);
    expect(client.transportStats().badXids).toBe(2); // the stranger and the late duplicate
    const s = client.stats.get(400000, 1, 1)!;
    expect(s.rttNs).toBe(0.25 * S);
    expect(s.queueNs).toBe(0);
    expect(transport.freed).toEqual([0x1000]);
  });

  it('holds calls beyond the congestion window on the backlog until the transport opens it', async () => {
    const { scheduler, transport, client } = setup();
    await transport.connect();
    transport.events.onCongestionWindow(2);
    const calls = [1, 2, 3, 4, 5].map((v) => track(echo(client, v)));
    await scheduler.runUntilAsync(0.1 * S);
    expect(transport.sent.length).toBe(2);
    expect(client.backlogLength).toBe(3);
    transport.events.onCongestionWindow(4);
    await scheduler.runUntilAsync(0.2 * S);
    expect(transport.sent.length).toBe(4);
    for (const s of transport.sent) transport.reply(s.xid, successReply(s.xid, s.xid));
    await scheduler.runUntilAsync(0.3 * S);
    expect(transport.sent.length).toBe(5);
    const last = transport.sent[4]!;
    transport.reply(last.xid, successReply(last.xid, 0));
    await scheduler.runUntilAsync(0.4 * S);
    expect(calls.every((c) => c.done && c.error === undefined)).toBe(true);
    // FIFO: xids went out in call order.
    expect(transport.sent.map((s) => s.xid)).toEqual([0x1000, 0x1001, 0x1002, 0x1003, 0x1004]);
  });

  it('a full slot table queues calls in order', async () => {
    const { scheduler, transport, client } = setup({ slots: 1 });
    const a = track(echo(client, 1));
    const b = track(echo(client, 2));
    await scheduler.runUntilAsync(0.1 * S);
    expect(transport.sent.length).toBe(1);
    transport.reply(0x1000, successReply(0x1000, 1));
    await scheduler.runUntilAsync(0.2 * S);
    expect(a.value).toBe(1);
    expect(transport.sent.length).toBe(2);
    transport.reply(0x1001, successReply(0x1001, 2));
    await scheduler.runUntilAsync(0.3 * S);
    expect(b.value).toBe(2);
    expect(client.stats.get(400000, 1, 1)!.queueNs).toBe(0.1 * S);
  });

  it('waits for write space after EAGAIN instead of retransmitting', async () => {
    const { scheduler, transport, client } = setup();
    transport.eagainCount = 1;
    const call = track(echo(client, 3));
    await scheduler.runUntilAsync(0.5 * S);
    expect(transport.sent.length).toBe(0);
    transport.events.onWriteSpace();
    await scheduler.runUntilAsync(0.6 * S);
    expect(transport.sent.length).toBe(1);
    transport.reply(0x1000, successReply(0x1000, 3));
    await scheduler.runUntilIdleAsync();
    expect(call.value).toBe(3);
  });

  it('after a disconnect it reconnects and retransmits the outstanding call with its xid', async () => {
    const { scheduler, transport, client } = setup({ timeout: { initialNs: 30 * S } });
    const call = track(echo(client, 4));
    await scheduler.runUntilAsync(1 * S);
    expect(transport.sent.length).toBe(1);
    transport.injectDisconnect();
    await scheduler.runUntilAsync(2 * S);
    expect(transport.connectAttempts).toBe(2);
    expect(transport.sent.map((s) => [s.xid, s.transmissions, s.at])).toEqual([
      [0x1000, 0, 0],
      [0x1000, 1, 1 * S],
    ]);
    transport.reply(0x1000, successReply(0x1000, 4));
    await scheduler.runUntilIdleAsync();
    expect(call.value).toBe(4);
  });

  it('keeps trying to connect while a call waits, and times the call out', async () => {
    const { scheduler, transport, client } = setup({ timeout: { retries: 1 } });
    transport.refuseConnect = true;
    const call = track(client.ping());
    await scheduler.runUntilIdleAsync();
    expect((call.error as RpcError).code).toBe('ETIMEDOUT');
    expect(transport.connectAttempts).toBeGreaterThan(1);
    expect(client.connectError?.code).toBe('ECONNREFUSED');
    expect(scheduler.now()).toBe(3 * S);
  });

  it('a reply before the send completes waits for the send before releasing the request', async () => {
    const { scheduler, transport, client } = setup();
    transport.holdSends = true;
    transport.onSend = (req) => transport.reply(req.xid, successReply(req.xid, 8));
    const call = track(echo(client, 8));
    await scheduler.runUntilAsync(0.5 * S);
    expect(call.done).toBe(false);
    expect(transport.freed).toEqual([]);
    transport.heldSends[0]!();
    await scheduler.runUntilIdleAsync();
    expect(call.value).toBe(8);
    expect(transport.freed).toEqual([0x1000]);
  });

  it('an abort while queued or waiting ends the call with ECANCELED and frees its slot', async () => {
    const { scheduler, transport, client } = setup({ slots: 1 });
    const first = new AbortController();
    const second = new AbortController();
    const a = track(echo(client, 1, first.signal));
    const b = track(echo(client, 2, second.signal));
    await scheduler.runUntilAsync(0.1 * S);
    second.abort();
    await scheduler.runUntilAsync(0.2 * S);
    expect((b.error as RpcError).code).toBe('ECANCELED');
    expect(client.backlogLength).toBe(0);
    first.abort();
    await scheduler.runUntilAsync(0.3 * S);
    expect((a.error as RpcError).code).toBe('ECANCELED');
    expect(transport.slotsInUse).toBe(0);
    expect(transport.sent.length).toBe(1);
  });

  it('decodes denials and rejects garbage replies with EPROTO', async () => {
    const { scheduler, transport, client } = setup();
    let n = 0;
    transport.onSend = (req) => {
      const enc = new XdrEncoder();
      if (n++ === 0) {
        encodeDeniedReply(enc, req.xid, RejectStat.RPC_MISMATCH, { mismatch: { low: 2, high: 2 } });
        transport.reply(req.xid, enc.finish());
      } else {
        transport.reply(req.xid, XdrBuf.fromBytes(new Uint8Array([0, 0, 0x10, 1, 0, 0, 0, 1, 0, 0, 0, 7])));
      }
    };
    const denied = track(echo(client, 1));
    await scheduler.runUntilIdleAsync();
    expect(denied.error).toBeInstanceOf(RpcDeniedError);
    expect(denied.error).toMatchObject({ code: 'RPC_MISMATCH', mismatch: { low: 2, high: 2 } });
    const garbage = track(echo(client, 1));
    await scheduler.runUntilIdleAsync();
    expect(garbage.error).toMatchObject({ code: 'EPROTO' });
    expect((garbage.error as Error).message).toContain('reply_body.stat');
  });

  it('shutdown fails outstanding calls with ESHUTDOWN and refuses new ones', async () => {
    const { scheduler, client } = setup();
    const call = track(echo(client, 1));
    await scheduler.runUntilAsync(0.1 * S);
    await client.shutdown();
    await scheduler.runUntilIdleAsync();
    expect((call.error as RpcError).code).toBe('ESHUTDOWN');
    await expect(client.ping()).rejects.toMatchObject({ code: 'ESHUTDOWN' });
  });

  it('a transport-level error reply fails that call at once with its code; the next call works', async () => {
    const { scheduler, transport, client } = setup();
    let n = 0;
    transport.onSend = (req) => {
      const k = n++;
      if (k === 0)
        transport.events.onReplyError(
          req.xid,
          new RpcTransportReplyError('ERR_VERS', 'fake', { low: 2, high: 3 }),
        );
      else if (k === 1)
        transport.events.onReplyError(req.xid, new RpcTransportReplyError('ERR_CHUNK', 'fake'));
      else transport.reply(req.xid, successReply(req.xid, 9));
    };
    const vers = track(echo(client, 1));
    await scheduler.runUntilIdleAsync();
    expect(vers.error).toBeInstanceOf(RpcTransportReplyError);
    expect(vers.error).toMatchObject({
      code: 'ERR_VERS',
      mismatch: { low: 2, high: 3 },
      transportName: 'fake',
    });
    // Failed at once: no timer ran, nothing was retransmitted.
    expect(scheduler.now()).toBe(0);
    const chunk = track(echo(client, 2));
    await scheduler.runUntilIdleAsync();
    expect(chunk.error).toMatchObject({ code: 'ERR_CHUNK' });
    expect(scheduler.now()).toBe(0);
    expect(await echo(client, 3)).toBe(9);
    expect(transport.sent.map((s) => s.transmissions)).toEqual([0, 0, 0]);
    expect(client.stats.get(400000, 1, 1)).toMatchObject({ ops: 3, errors: 2, timeouts: 0 });
    expect(transport.slotsInUse).toBe(0);
    // An error for an xid nobody waits for is counted as a bad xid.
    transport.events.onReplyError(0xdead, new RpcTransportReplyError('ERR_CHUNK', 'fake'));
    expect(client.transportStats().badXids).toBe(1);
  });

  it('hands the transport the reply size hints: no default maximum, the head length before the pages', async () => {
    const { scheduler, transport, client } = setup();
    const seen: RpcRequest['reply'][] = [];
    transport.onSend = (req) => {
      seen.push(req.reply);
      transport.reply(req.xid, successReply(req.xid, 0));
    };
    const pages = { pages: [], base: 0, length: 32768 };
    const decodeResult = (d: XdrDecoder) => d.readUint('v');
    await client.call({ proc: 1, decodeResult });
    await client.call({ proc: 1, decodeResult, replyMaxBytes: 300 });
    await client.call({ proc: 1, decodeResult, replyPages: pages, replyHeadBytes: 104 });
    await client.call({ proc: 1, decodeResult, replyPages: pages, replyMaxBytes: 32768 + 256 });
    await client.call({ proc: 1, decodeResult, replyPages: pages });
    await scheduler.runUntilIdleAsync();
    expect(seen.map((r) => [r.maxLength, r.headLength])).toEqual([
      [undefined, undefined],
      [300, undefined],
      [undefined, RPC_REPLY_HEADER_BYTES + 104],
      [32768 + 256, 256],
      [undefined, undefined],
    ]);
  });

  it('connects a transport that has no slots before its first connection, then runs the backlog', async () => {
    const { scheduler, transport, client } = setup();
    transport.slotsNeedConnection = true;
    transport.onSend = (req) => transport.reply(req.xid, successReply(req.xid, 5));
    const calls = [track(echo(client, 1)), track(echo(client, 2))];
    await scheduler.runUntilIdleAsync();
    expect(calls.map((c) => c.value)).toEqual([5, 5]);
    expect(transport.connectAttempts).toBe(1);
    expect(client.backlogLength).toBe(0);
  });
});
