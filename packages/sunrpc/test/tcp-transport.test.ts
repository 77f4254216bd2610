import 'reflect-metadata';
import * as net from 'node:net';
import { RealScheduler } from '@rdmalab/kernel';
import { afterAll, describe, expect, it } from 'vitest';
import { RpcClient, recordMark, TcpTransportClass } from '../src/index.js';

const scheduler = new RealScheduler();
afterAll(() => scheduler.close());

function listen(onSocket: (s: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer(onSocket);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

describe('TCP client transport', () => {
  it('closes a connection whose peer sends a record over the maximum, and reconnects for the retransmission', async () => {
    let accepted = 0;
    const evil = await listen((s) => {
      accepted++;
      s.on('error', () => undefined);
      s.once('data', () => s.write(recordMark(1 << 20, true)));
    });
    const tcp = new TcpTransportClass({ maxRecordSize: 64 * 1024, reconnectDelayNs: 20e6 });
    const client = new RpcClient({
      transport: tcp.createClient({ host: '127.0.0.1', port: portOf(evil), scheduler }),
      scheduler,
      program: 0x2000_0505,
      version: 1,
      timeout: { initialNs: 10e9, retries: 0 },
    });
    const ac = new AbortController();
    const call = client.ping({ signal: ac.signal });
    await new Promise((r) => setTimeout(r, 300));
    const stats = client.transportStats();
    expect(stats.extra.oversizedRecords).toBeGreaterThanOrEqual(2);
    expect(stats.disconnects).toBeGreaterThanOrEqual(2);
    expect(accepted).toBeGreaterThanOrEqual(2);
    expect(client.tasks()).toEqual([
      expect.objectContaining({ state: expect.stringMatching(/transmit|wait/) }),
    ]);
    ac.abort();
    await expect(call).rejects.toMatchObject({ code: 'ECANCELED' });
    await client.shutdown();
    await new Promise<void>((r) => evil.close(() => r()));
  });

  it('backs off between failed connection attempts (doubling delay)', async () => {
    const probe = await listen(() => undefined);
    const port = portOf(probe);
    await new Promise<void>((r) => probe.close(() => r()));
    const tcp = new TcpTransportClass({ reconnectDelayNs: 40e6, maxReconnectDelayNs: 1e9 });
    const transport = tcp.createClient({ host: '127.0.0.1', port, scheduler });
    const client = new RpcClient({
      transport,
      scheduler,
      program: 1,
      version: 1,
      timeout: { initialNs: 500e6, retries: 0 },
    });
    await expect(client.ping()).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    // Attempts at ~0, 40, 120, 280 ms (delays 40, 80, 160, then 320 > 500 ms): a handful, not hundreds.
    const attempts = transport.stats().extra.connectAttempts!;
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(attempts).toBeLessThanOrEqual(6);
    expect(transport.stats().extra.connectFailures).toBe(attempts);
    await client.shutdown();
  });
});
