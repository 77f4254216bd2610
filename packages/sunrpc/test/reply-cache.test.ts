import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import {
  AcceptStat,
  AUTH_NONE,
  type CallOrigin,
  decodeReplyHeader,
  encodeCallHeader,
  RpcDispatcher,
  RpcStats,
  XdrBuf,
  XdrDecoder,
  XdrEncoder,
} from '../src/index.js';
import type { DispatcherOptions } from '../src/server/dispatch.js';
import { argsChecksum, hostOf, ReplyCache } from '../src/server/reply-cache.js';
import { ReplyCacheError } from '../src/server/reply-cache-error.js';

const PROG = 400100;
const PROC_APPEND = 1; // not idempotent: appends its argument to a log and answers the new length
const PROC_LENGTH = 2; // idempotent: answers the length
const PROC_SLOW_APPEND = 3; // not idempotent, and waits for the test before answering

const client: CallOrigin = { remoteAddress: '10.0.0.7:871', connectionId: 1 };

function counterProgram(options: DispatcherOptions = {}) {
  const log: number[] = [];
  let executions = 0;
  const gates: (() => void)[] = [];
  const clock = { t: 0, now: () => clock.t };
  const d = new RpcDispatcher(new RpcStats(), { clock, ...options });
  d.register({
    program: PROG,
    version: 1,
    procedures: {
      [PROC_APPEND]: {
        name: 'APPEND',
        cacheReply: true,
        handler: (call, res) => {
          const v = call.args.readUint('value');
          executions++;
          log.push(v);
          res.writeUint(log.length);
        },
      },
      [PROC_LENGTH]: {
        name: 'LENGTH',
        handler: (_call, res) => {
          executions++;
          res.writeUint(log.length);
        },
      },
      [PROC_SLOW_APPEND]: {
        name: 'SLOW_APPEND',
        cacheReply: true,
        handler: async (call, res) => {
          const v = call.args.readUint('value');
          executions++;
          await new Promise<void>((resolve) => gates.push(resolve));
          log.push(v);
          res.writeUint(log.length);
        },
      },
    },
  });
  return { d, log, clock, gates, executions: () => executions };
}

function call(xid: number, proc: number, value?: number): XdrBuf {
  const enc = new XdrEncoder();
  encodeCallHeader(enc, { xid, prog: PROG, vers: 1, proc, cred: AUTH_NONE, verf: AUTH_NONE });
  if (value !== undefined) enc.writeUint(value);
  return enc.finish();
}

function result(reply: XdrBuf | null): { acceptStat: number | undefined; value: number | undefined } {
  if (reply === null) throw new Error('expected a reply, the call was dropped');
  const dec = new XdrDecoder(reply);
  const h = decodeReplyHeader(dec);
  const acceptStat = 'acceptStat' in h ? h.acceptStat : undefined;
  return { acceptStat, value: acceptStat === AcceptStat.SUCCESS ? dec.readUint('value') : undefined };
}

describe('duplicate request cache', () => {
  it('answers a retransmission (same xid, args) from the cache with the same bytes, running once', async () => {
    const p = counterProgram();
    const first = await p.d.dispatch(call(7, PROC_APPEND, 5), client);
    const again = await p.d.dispatch(call(7, PROC_APPEND, 5), client);
    expect(p.executions()).toBe(1);
    expect(p.log).toEqual([5]);
    expect(again.replayed).toBe(true);
    expect(again.reply?.toBytes()).toEqual(first.reply?.toBytes());
    expect(result(again.reply)).toEqual({ acceptStat: AcceptStat.SUCCESS, value: 1 });
    expect(p.d.replyCache?.counters).toMatchObject({ hits: 1, misses: 1, inProgressDrops: 0, entries: 1 });
  });

  it('recognises the client by IP across a reconnect (new port, new connection)', async () => {
    const p = counterProgram();
    await p.d.dispatch(call(9, PROC_APPEND, 1), client);
    const reconnected = { remoteAddress: '10.0.0.7:902', connectionId: 2 };
    const again = await p.d.dispatch(call(9, PROC_APPEND, 1), reconnected);
    expect(again.replayed).toBe(true);
    expect(p.executions()).toBe(1);
    // Another host with the same xid is another request.
    const other = await p.d.dispatch(call(9, PROC_APPEND, 1), {
      remoteAddress: '10.0.0.8:871',
      connectionId: 3,
    });
    expect(other.replayed).toBeUndefined();
    expect(result(other.reply).value).toBe(2);
    expect(p.executions()).toBe(2);
  });

  it('runs again when the xid matches but the arguments (checksum) or procedure differ', async () => {
    const p = counterProgram();
    await p.d.dispatch(call(11, PROC_APPEND, 1), client);
    const differentArgs = await p.d.dispatch(call(11, PROC_APPEND, 2), client);
    expect(differentArgs.replayed).toBeUndefined();
    expect(result(differentArgs.reply).value).toBe(2);
    expect(p.log).toEqual([1, 2]);
    expect(p.d.replyCache?.counters).toMatchObject({ hits: 0, misses: 2 });
  });

  it('drops a retransmission that arrives while the original runs; a later one gets the reply', async () => {
    const p = counterProgram();
    const original = p.d.dispatch(call(21, PROC_SLOW_APPEND, 4), client);
    await new Promise((r) => setImmediate(r));
    const duplicate = await p.d.dispatch(call(21, PROC_SLOW_APPEND, 4), { ...client, connectionId: 2 });
    expect(duplicate.reply).toBeNull();
    expect(duplicate.status).toBe('DROPPED');
    expect(p.d.replyCache?.counters.inProgressDrops).toBe(1);
    for (const open of p.gates) open();
    const done = await original;
    expect(result(done.reply).value).toBe(1);
    const later = await p.d.dispatch(call(21, PROC_SLOW_APPEND, 4), client);
    expect(later.replayed).toBe(true);
    expect(later.reply?.toBytes()).toEqual(done.reply?.toBytes());
    expect(p.executions()).toBe(1);
  });

  it('does not cache idempotent procedures', async () => {
    const p = counterProgram();
    await p.d.dispatch(call(30, PROC_LENGTH), client);
    const again = await p.d.dispatch(call(30, PROC_LENGTH), client);
    expect(again.replayed).toBeUndefined();
    expect(p.executions()).toBe(2);
    expect(p.d.replyCache?.counters).toMatchObject({ hits: 0, misses: 0, entries: 0 });
  });

  it('does not keep RPC-level errors: a GARBAGE_ARGS call retransmitted is decoded again', async () => {
    const p = counterProgram();
    const bad = await p.d.dispatch(call(31, PROC_APPEND), client); // no argument
    expect(result(bad.reply).acceptStat).toBe(AcceptStat.GARBAGE_ARGS);
    const again = await p.d.dispatch(call(31, PROC_APPEND), client);
    expect(again.replayed).toBeUndefined();
    expect(p.d.replyCache?.counters).toMatchObject({ hits: 0, misses: 2, entries: 0 });
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const p = counterProgram({ replyCache: { maxEntries: 2 } });
    await p.d.dispatch(call(1, PROC_APPEND, 1), client);
    await p.d.dispatch(call(2, PROC_APPEND, 2), client);
    // A hit makes xid 1 the most recently used, so xid 2 goes when xid 3 arrives.
    expect((await p.d.dispatch(call(1, PROC_APPEND, 1), client)).replayed).toBe(true);
    await p.d.dispatch(call(3, PROC_APPEND, 3), client);
    expect(p.d.replyCache?.counters).toMatchObject({ evictions: 1, entries: 2 });
    expect((await p.d.dispatch(call(1, PROC_APPEND, 1), client)).replayed).toBe(true);
    const evicted = await p.d.dispatch(call(2, PROC_APPEND, 2), client);
    expect(evicted.replayed).toBeUndefined();
    expect(p.log).toEqual([1, 2, 3, 2]);
  });

  it('forgets entries older than maxAgeNs', async () => {
    const p = counterProgram({ replyCache: { maxAgeNs: 1_000 } });
    await p.d.dispatch(call(40, PROC_APPEND, 1), client);
    p.clock.t = 999;
    expect((await p.d.dispatch(call(40, PROC_APPEND, 1), client)).replayed).toBe(true);
    p.clock.t = 999 + 1_000;
    const expired = await p.d.dispatch(call(40, PROC_APPEND, 1), client);
    expect(expired.replayed).toBeUndefined();
    expect(p.executions()).toBe(2);
    expect(p.d.replyCache?.counters.expirations).toBe(1);
  });

  it('can be turned off: every retransmission runs', async () => {
    const p = counterProgram({ replyCache: false });
    await p.d.dispatch(call(50, PROC_APPEND, 1), client);
    await p.d.dispatch(call(50, PROC_APPEND, 1), client);
    expect(p.d.replyCache).toBeNull();
    expect(p.log).toEqual([1, 1]);
  });

  it('refuses unusable bounds with EINVAL naming the option', () => {
    const clock = { now: () => 0 };
    expect(() => new ReplyCache(clock, { maxEntries: 0 })).toThrow(ReplyCacheError);
    expect(() => new ReplyCache(clock, { maxAgeNs: -1 })).toThrow(/maxAgeNs/);
    let thrown: unknown;
    try {
      new ReplyCache(clock, { checksumBytes: 1.5 });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ReplyCacheError);
    expect((thrown as ReplyCacheError).code).toBe('EINVAL');
  });

  it('keys on the IP without the port, IPv4 and IPv6', () => {
    expect(hostOf('192.168.1.2:1023')).toBe('192.168.1.2');
    expect(hostOf('::ffff:127.0.0.1:40000')).toBe('::ffff:127.0.0.1');
    expect(hostOf('[fe80::1]:2049')).toBe('fe80::1');
  });

  it('checksums only the first bytes of the arguments', () => {
    const a = new Uint8Array(300).fill(1);
    const b = a.slice();
    b[290] = 9; // beyond the 256 checksummed bytes after offset 4
    const c = a.slice();
    c[100] = 9;
    // Split across head and tail, so the checksum walks segments.
    const sum = (bytes: Uint8Array) =>
      argsChecksum(new XdrBuf({ head: bytes.subarray(0, 100), tail: bytes.subarray(100) }), 4, 256);
    expect(sum(b)).toBe(sum(a));
    expect(sum(c)).not.toBe(sum(a));
  });
});
