import 'reflect-metadata';
import * as net from 'node:net';
import { PAGE_SIZE, PhysicalMemory, RealScheduler } from '@rdmalab/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AcceptStat,
  AuthStat,
  AuthSys,
  RpcAcceptedError,
  type RpcCall,
  RpcClient,
  RpcDeniedError,
  RpcError,
  RpcServer,
  TcpTransportClass,
  XDRBUF_READ,
  type XdrEncoder,
} from '../src/index.js';

const PROG = 0x2000_0101;
const memory = new PhysicalMemory({ totalPages: 64 });
const scheduler = new RealScheduler();
const tcp = new TcpTransportClass({ slotTableSize: 4, reconnectDelayNs: 10e6 });
const server = new RpcServer();
const seenXids: number[] = [];
let concurrent = 0;
let maxConcurrent = 0;
let port = 0;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

server.addProgram({
  program: PROG,
  version: 1,
  name: 'test',
  procedures: {
    1: {
      name: 'ADD',
      handler: (call, res) => {
        const a = call.args.readInt('add.a');
        const b = call.args.readInt('add.b');
        res.writeInt(a + b);
      },
    },
    2: {
      name: 'WHOAMI',
      handler: (call, res) => {
        if (call.credential.flavor !== 1) throw RpcDeniedError.auth(AuthStat.AUTH_TOOWEAK);
        res.writeUint(call.credential.sys.uid);
        res.writeString(call.credential.sys.machineName);
        res.writeArray(call.credential.sys.gids, 16, (e, g) => e.writeUint(g));
      },
    },
    3: {
      name: 'FAIL',
      handler: () => {
        throw new Error('handler bug');
      },
    },
    4: {
      name: 'READ',
      handler: (call: RpcCall, res: XdrEncoder) => {
        const count = call.args.readUint('read.count');
        const pages = memory.allocPages(Math.ceil(count / PAGE_SIZE), 'server:read');
        for (const [i, p] of pages.entries()) p.bytes.fill(i + 1);
        res.writeBool(true); // eof
        res.writeOpaquePages(pages, 0, count, XDRBUF_READ);
        res.writeUint(0xfeed);
        call.afterReply(() => {
          for (const p of pages) memory.free(p);
        });
      },
    },
    5: {
      name: 'SLOW',
      handler: async (call) => {
        seenXids.push(call.xid);
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        const ms = call.args.readUint('slow.ms');
        await sleep(ms);
        concurrent--;
      },
    },
  },
});
server.addProgram({ program: PROG, version: 3, procedures: {} });

function client(options: Partial<ConstructorParameters<typeof RpcClient>[0]> = {}): RpcClient {
  return new RpcClient({
    transport: tcp.createClient({ host: '127.0.0.1', port, scheduler }),
    scheduler,
    program: PROG,
    version: 1,
    programName: 'test',
    procedureNames: { 1: 'ADD', 5: 'SLOW' },
    timeout: { initialNs: 2e9, retries: 2 },
    ...options,
  });
}

function add(c: RpcClient, a: number, b: number): Promise<number> {
  return c.call({
    proc: 1,
    encodeArgs: (e) => {
      e.writeInt(a);
      e.writeInt(b);
    },
    decodeResult: (d) => d.readInt('sum'),
  });
}

function slow(c: RpcClient, ms: number, signal?: AbortSignal): Promise<void> {
  return c.call({ proc: 5, encodeArgs: (e) => e.writeUint(ms), decodeResult: () => undefined, signal });
}

async function rejection(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RpcError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  ({ port } = await server.listen(tcp.createServer({ host: '127.0.0.1', port: 0, scheduler })));
});
afterAll(async () => {
  await server.close();
  scheduler.close();
});

describe('RPC over TCP loopback', () => {
  it('calls NULL and a procedure with arguments and results', async () => {
    const c = client();
    await c.ping();
    expect(await add(c, 40, 2)).toBe(42);
    expect(await add(c, -5, 3)).toBe(-2);
    const stats = c.stats.get(PROG, 1, 1)!;
    expect(stats).toMatchObject({ name: 'ADD', ops: 2, transmissions: 2, errors: 0 });
    expect(stats.bytesSent).toBeGreaterThan(40);
    expect(c.stats.format()).toMatch(/^\s+ADD: 2 2 0 \d+ \d+ \d+ \d+ \d+ 0$/m);
    await c.shutdown();
  });

  it('AUTH_SYS credentials reach the handler; AUTH_NONE is refused by it with AUTH_TOOWEAK', async () => {
    const c = client({
      auth: new AuthSys({ uid: 1000, gid: 100, gids: [4, 24, 27], machineName: 'client-a' }),
    });
    const who = await c.call({
      proc: 2,
      decodeResult: (d) => ({
        uid: d.readUint('uid'),
        name: d.readString('name', 255),
        gids: d.readArray('gids', 16, (x) => x.readUint('gid')),
      }),
    });
    expect(who).toEqual({ uid: 1000, name: 'client-a', gids: [4, 24, 27] });
    await c.shutdown();
    const anon = client();
    const err = await rejection(anon.call({ proc: 2, decodeResult: () => 0 }));
    expect(err).toBeInstanceOf(RpcDeniedError);
    expect(err).toMatchObject({ code: 'AUTH_ERROR', authStat: AuthStat.AUTH_TOOWEAK });
    await anon.shutdown();
  });

  it('answers PROG_UNAVAIL, PROG_MISMATCH with the range, PROC_UNAVAIL, GARBAGE_ARGS and SYSTEM_ERR', async () => {
    const c = client();
    const noProg = new RpcClient({
      transport: tcp.createClient({ host: '127.0.0.1', port, scheduler }),
      scheduler,
      program: PROG + 1,
      version: 1,
    });
    expect(await rejection(noProg.ping())).toMatchObject({ code: 'PROG_UNAVAIL' });
    await noProg.shutdown();
    const mismatch = await rejection(c.ping({ vers: 2 }));
    expect(mismatch).toBeInstanceOf(RpcAcceptedError);
    expect(mismatch).toMatchObject({ code: 'PROG_MISMATCH', mismatch: { low: 1, high: 3 } });
    expect(await rejection(c.call({ proc: 99, decodeResult: () => 0 }))).toMatchObject({
      code: 'PROC_UNAVAIL',
      acceptStat: AcceptStat.PROC_UNAVAIL,
    });
    // ADD with one argument: the handler's read of the second runs past the end.
    expect(
      await rejection(
        c.call({ proc: 1, encodeArgs: (e) => e.writeInt(1), decodeResult: (d) => d.readInt('sum') }),
      ),
    ).toMatchObject({ code: 'GARBAGE_ARGS' });
    expect(await rejection(c.call({ proc: 3, decodeResult: () => 0 }))).toMatchObject({ code: 'SYSTEM_ERR' });
    expect(c.stats.get(PROG, 1, 99)).toMatchObject({ ops: 1, errors: 1 });
    await c.shutdown();
  });

  it('moves READ data from server pages into the caller pages across page boundaries', async () => {
    const c = client();
    const dst = memory.allocPages(3, 'client:pagecache');
    const count = 2 * PAGE_SIZE + 123;
    const got = await c.call({
      proc: 4,
      encodeArgs: (e) => e.writeUint(count),
      replyPages: { pages: dst, base: 0, length: 3 * PAGE_SIZE },
      decodeResult: (d) => ({
        eof: d.readBool('eof'),
        n: d.readOpaqueInto('data', { pages: dst, base: 0, length: 3 * PAGE_SIZE }),
        trailer: d.readUint('trailer'),
      }),
    });
    expect(got).toEqual({ eof: true, n: count, trailer: 0xfeed });
    expect(dst[0]!.bytes[PAGE_SIZE - 1]).toBe(1);
    expect(dst[1]!.bytes[0]).toBe(2);
    expect(dst[2]!.bytes[122]).toBe(3);
    expect(dst[2]!.bytes[123]).toBe(0);
    for (const p of dst) memory.free(p);
    await sleep(20);
    // The server's afterReply released its pages once the reply was sent.
    expect(memory.allocatedPages).toBe(0);
    await c.shutdown();
  });

  it('retransmits after a minor timeout with the same xid', async () => {
    const c = client({ timeout: { initialNs: 150e6, incrementNs: 0, retries: 3 } });
    seenXids.length = 0;
    await slow(c, 400);
    expect(seenXids.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seenXids).size).toBe(1);
    const s = c.stats.get(PROG, 1, 5)!;
    expect(s.retransmits).toBeGreaterThanOrEqual(1);
    expect(s.transmissions).toBe(s.retransmits + 1);
    await c.shutdown();
    await sleep(450);
  });

  it('a soft call fails with ETIMEDOUT after its major timeout', async () => {
    const c = client({ timeout: { initialNs: 60e6, incrementNs: 0, retries: 1, soft: true } });
    const err = await rejection(slow(c, 500));
    expect(err.code).toBe('ETIMEDOUT');
    expect(c.stats.get(PROG, 1, 5)).toMatchObject({ timeouts: 1, transmissions: 2, errors: 1 });
    await c.shutdown();
    await sleep(500);
  });

  it('reconnects and retransmits what is outstanding when the connection drops', async () => {
    const c = client({ timeout: { initialNs: 5e9 } });
    seenXids.length = 0;
    const pending = slow(c, 150);
    await sleep(50);
    c.transport.injectDisconnect();
    await pending;
    expect(seenXids.length).toBe(2);
    expect(seenXids[0]).toBe(seenXids[1]);
    const stats = c.transportStats();
    expect(stats.connects).toBe(2);
    expect(stats.disconnects).toBe(1);
    expect(await add(c, 1, 1)).toBe(2);
    await c.shutdown();
  });

  it('queues calls beyond the slot table on the backlog and runs them all', async () => {
    const c = client();
    maxConcurrent = 0;
    const calls = Array.from({ length: 12 }, () => slow(c, 20));
    await sleep(5);
    expect(c.backlogLength).toBe(8);
    await Promise.all(calls);
    expect(maxConcurrent).toBe(4);
    expect(c.outstanding).toBe(0);
    await c.shutdown();
  });

  it('an AbortSignal cancels a call with ECANCELED', async () => {
    const c = client();
    const ac = new AbortController();
    const p = slow(c, 300, ac.signal);
    setTimeout(() => ac.abort(), 30);
    expect((await rejection(p)).code).toBe('ECANCELED');
    expect(await add(c, 2, 2)).toBe(4);
    expect((await rejection(slow(c, 1, ac.signal))).code).toBe('ECANCELED');
    await c.shutdown();
    await sleep(300);
  });

  it('a connection refused is retried with backoff until the call times out', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const c = new RpcClient({
      transport: tcp.createClient({ host: '127.0.0.1', port: deadPort, scheduler }),
      scheduler,
      program: PROG,
      version: 1,
      timeout: { initialNs: 100e6, incrementNs: 0, retries: 1 },
    });
    const err = await rejection(c.ping());
    expect(err.code).toBe('ETIMEDOUT');
    expect(c.connectError?.code).toBe('ECONNREFUSED');
    await c.shutdown();
  });
});
