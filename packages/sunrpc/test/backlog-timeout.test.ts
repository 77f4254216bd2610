import 'reflect-metadata';
import * as net from 'node:net';
import { RealScheduler } from '@rdmalab/kernel';
import { describe, expect, it } from 'vitest';
import {
  RpcClient,
  RpcError,
  RpcServer,
  type RpcSlot,
  TcpTransportClass,
  TransportError,
} from '../src/index.js';
import { echo, S, setupEchoClient, successReply, track } from './support/echo-client.js';
import { FakeTransport } from './support/fake-transport.js';

/** The echo client with a short reconnect pause, so refused connects retry often. */
function setup(opts: Parameters<typeof setupEchoClient<FakeTransport>>[0] = {}) {
  return setupEchoClient({ reconnectPauseNs: 0.1 * S, ...opts });
}

/**
 * Like RPC-over-RDMA: no request slots until a connection succeeds (the request pool is sized
 * from the device the connection goes through), so a call waits in the backlog, not in transmit.
 */
class SlotlessUntilConnected extends FakeTransport {
  override allocSlot(): RpcSlot | null {
    if (!this.connectedNow) return null;
    return super.allocSlot();
  }
}

describe('a call waiting in the backlog has a timeout (virtual time)', () => {
  it('a soft call on a transport that never connects (no slots before connecting) fails at its major timeout', async () => {
    const { scheduler, transport, client } = setup({ transport: (s) => new SlotlessUntilConnected(s) });
    transport.refuseConnect = true;
    const call = track(echo(client, 1));
    await scheduler.runUntilAsync(0.5 * S);
    expect(client.backlogLength).toBe(1);
    await scheduler.runUntilIdleAsync();
    const err = call.error as RpcError;
    expect(err).toBeInstanceOf(RpcError);
    expect(err.code).toBe('ETIMEDOUT');
    expect(err.message).toMatch(/never got a request slot/);
    expect(err.message).toMatch(/never connected/);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.cause).toBeInstanceOf(TransportError);
    // 1 s + 2 s + 3 s: the same minor/major schedule a transmitted call gets, counted from the start.
    expect(scheduler.now()).toBe(6 * S);
    expect(transport.connectAttempts).toBeGreaterThan(10);
    expect(client.backlogLength).toBe(0);
    expect(client.outstanding).toBe(0);
    expect(transport.sent).toEqual([]);
    const stats = client.stats.op(400000, 1, 1, 'ECHO');
    expect(stats.timeouts).toBe(1);
    expect(stats.errors).toBe(1);
  });

  it('stops connecting once the timed-out call is gone, and a later call connects and succeeds', async () => {
    const { scheduler, transport, client } = setup({ transport: (s) => new SlotlessUntilConnected(s) });
    transport.refuseConnect = true;
    const first = track(echo(client, 1));
    await scheduler.runUntilIdleAsync();
    expect((first.error as RpcError).code).toBe('ETIMEDOUT');
    const attempts = transport.connectAttempts;
    await scheduler.runUntilAsync(scheduler.now() + 5 * S);
    expect(transport.connectAttempts).toBe(attempts);
    // The server appears.
    transport.refuseConnect = false;
    transport.onSend = (req) => transport.reply(req.xid, successReply(req.xid, 42));
    const second = track(echo(client, 42));
    await scheduler.runUntilIdleAsync();
    expect(second.value).toBe(42);
    expect(transport.connected).toBe(true);
  });

  it('a hard call keeps waiting through major timeouts and runs once the transport connects', async () => {
    const { scheduler, transport, client } = setup({
      transport: (s) => new SlotlessUntilConnected(s),
      timeout: { soft: false },
    });
    transport.refuseConnect = true;
    const call = track(echo(client, 9));
    await scheduler.runUntilAsync(20 * S);
    expect(call.done).toBe(false);
    expect(client.backlogLength).toBe(1);
    expect(client.stats.op(400000, 1, 1, 'ECHO').timeouts).toBe(3);
    transport.refuseConnect = false;
    transport.onSend = (req) => transport.reply(req.xid, successReply(req.xid, 9));
    await scheduler.runUntilAsync(21 * S);
    expect(call.value).toBe(9);
    expect(client.backlogLength).toBe(0);
  });

  it('an abort ends a call waiting for a connection with ECANCELED before its timeout', async () => {
    const { scheduler, transport, client } = setup({ transport: (s) => new SlotlessUntilConnected(s) });
    transport.refuseConnect = true;
    const abort = new AbortController();
    const call = track(echo(client, 1, abort.signal));
    await scheduler.runUntilAsync(0.5 * S);
    abort.abort();
    await scheduler.runUntilAsync(0.6 * S);
    expect((call.error as RpcError).code).toBe('ECANCELED');
    expect(client.backlogLength).toBe(0);
  });

  it('a soft call that never gets a slot (all busy on a connected transport) fails naming the slot wait', async () => {
    const { scheduler, transport, client } = setup({ slots: 1, timeout: { soft: false } });
    // The first call holds the only slot (hard, never answered); the second gets a soft timeout.
    const holder = track(echo(client, 1));
    await scheduler.runUntilAsync(0.1 * S);
    const waiter = track(
      client.call({
        proc: 1,
        encodeArgs: (e) => e.writeUint(2),
        decodeResult: (d) => d.readUint('echo'),
        timeout: { soft: true, retries: 0 },
      }),
    );
    await scheduler.runUntilAsync(1.05 * S);
    expect(waiter.done).toBe(false);
    await scheduler.runUntilAsync(1.2 * S);
    const err = waiter.error as RpcError;
    expect(err.code).toBe('ETIMEDOUT');
    expect(err.message).toMatch(/never got a request slot on fake:0/);
    expect(err.message).not.toMatch(/never connected/);
    expect(client.backlogLength).toBe(0);
    expect(holder.done).toBe(false);
    expect(transport.sent.every((s) => s.xid === 0x1000)).toBe(true);
  });

  it('a slot obtained on a connected transport restarts the timeout (time spent queued is not held against the reply)', async () => {
    const { scheduler, transport, client } = setup({ slots: 1, timeout: { retries: 2 } });
    const first = track(echo(client, 1));
    await scheduler.runUntilAsync(0.1 * S);
    const second = track(echo(client, 2));
    // Answer the first after 2.5 s (one retransmission): the second has waited 2.4 s in the backlog.
    await scheduler.runUntilAsync(2.5 * S);
    transport.reply(0x1000, successReply(0x1000, 1));
    await scheduler.runUntilAsync(2.6 * S);
    expect(first.value).toBe(1);
    expect(second.done).toBe(false);
    const sentAt = transport.sent.filter((s) => s.xid === 0x1001).map((s) => s.at);
    expect(sentAt).toEqual([2.5 * S]);
    // Its own schedule from the send: retransmissions at +1 s and +3 s, failure at +6 s.
    await scheduler.runUntilIdleAsync();
    expect(transport.sent.filter((s) => s.xid === 0x1001).map((s) => s.at - 2.5 * S)).toEqual([
      0,
      1 * S,
      3 * S,
    ]);
    expect((second.error as RpcError).code).toBe('ETIMEDOUT');
    expect(scheduler.now()).toBe(8.5 * S);
  });
});

/** A port on 127.0.0.1 with nothing listening (connect is refused), found by binding then closing. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return address.port;
}

describe('over TCP against a port with nothing listening', () => {
  it('a soft call fails within its timeout naming the refused connection; a call after the server appears succeeds', async () => {
    const scheduler = new RealScheduler();
    const tcp = new TcpTransportClass({ reconnectDelayNs: 10e6, maxReconnectDelayNs: 50e6 });
    const port = await closedPort();
    const client = new RpcClient({
      transport: tcp.createClient({ host: '127.0.0.1', port, scheduler }),
      scheduler,
      program: 0x2000_0102,
      version: 1,
      procedureNames: { 1: 'ADD' },
      timeout: { initialNs: 100e6, incrementNs: 100e6, retries: 1, soft: true },
    });
    const server = new RpcServer();
    try {
      const started = Date.now();
      const err = await client.ping().then(
        () => null,
        (e: unknown) => e,
      );
      const elapsedMs = Date.now() - started;
      expect(err).toBeInstanceOf(RpcError);
      expect((err as RpcError).code).toBe('ETIMEDOUT');
      expect((err as RpcError).message).toMatch(/never connected \(last attempt: ECONNREFUSED/);
      expect((err as RpcError).message).toContain(`127.0.0.1:${port}`);
      // 100 ms + 200 ms major timeout; generous upper bound for a loaded machine.
      expect(elapsedMs).toBeGreaterThanOrEqual(250);
      expect(elapsedMs).toBeLessThan(5000);
      expect(client.connectError?.code).toBe('ECONNREFUSED');
      expect(client.transportStats().extra.connectFailures).toBeGreaterThan(1);

      server.addProgram({
        program: 0x2000_0102,
        version: 1,
        name: 'test',
        procedures: {
          1: {
            name: 'ADD',
            handler: (call, res) => {
              res.writeInt(call.args.readInt('a') + call.args.readInt('b'));
            },
          },
        },
      });
      await server.listen(tcp.createServer({ host: '127.0.0.1', port, scheduler }));
      const sum = await client.call({
        proc: 1,
        encodeArgs: (e) => {
          e.writeInt(20);
          e.writeInt(22);
        },
        decodeResult: (d) => d.readInt('sum'),
        timeout: { initialNs: 2e9, retries: 2 },
      });
      expect(sum).toBe(42);
      expect(client.transport.connected).toBe(true);
    } finally {
      await client.shutdown();
      await server.close();
      scheduler.close();
    }
  });
});
