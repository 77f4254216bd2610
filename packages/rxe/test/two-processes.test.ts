import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RxeHost } from '../src/host/rxe-host.js';
import { patternBytes } from '../src/peer/page-buffer.js';
import { PeerClient } from '../src/peer/peer-client.js';
import { type PeerProcess, spawnPeer } from './peer-process.js';
import { sha256 } from './sha.js';
import { isRoot } from './tools.js';

const CLIENT_IP = '127.0.0.1';
const SERVER_IP = '127.0.0.2';
const PORT = 20049;
const MIB = 1 << 20;

describe('two processes over rxe on 127.0.0.1 ↔ 127.0.0.2', () => {
  let peer: PeerProcess;
  let host: RxeHost;
  let client: PeerClient;

  beforeAll(async () => {
    peer = await spawnPeer({ ip: SERVER_IP, port: PORT, mtu: 4096, bufferMib: 8 });
    host = new RxeHost({ ip: CLIENT_IP, mtu: 4096, memoryPages: 8192 });
    await host.ready;
    client = await PeerClient.connect(host, { server: { ip: SERVER_IP, port: PORT }, bufferBytes: 8 * MIB });
  });

  afterAll(async () => {
    client?.close();
    await peer?.stop();
    await host?.close();
  });

  it('connects through the CM: REQ/REP/RTU on QP1, the REP carries the server buffer, 4096 MTU', () => {
    expect(client.remote.length).toBe(8 * MIB);
    expect(client.qp.query().pathMtu).toBe(5); // IB MTU enum 5 = 4096
    // Default sender 'auto': the raw IPv4 socket when root (both processes), node:dgram otherwise.
    expect(host.link.senderKind).toBe(isRoot ? 'raw' : 'dgram');
    expect(host.cm.stats.sent).toBeGreaterThanOrEqual(2); // REQ + RTU
    expect(host.cm.stats.received).toBeGreaterThanOrEqual(1); // REP
  });

  it('SEND/RECV both ways: a 1 MiB SEND is echoed back byte for byte', async () => {
    const message = patternBytes(7, 0, MIB);
    const reply = await client.echo(message);
    expect(reply.length).toBe(MIB);
    expect(sha256(reply)).toBe(sha256(message));
  });

  it('RDMA WRITE of 4 MiB lands intact in the other process (its SHA-256 over SEND)', async () => {
    const length = 4 * MIB;
    const bytes = patternBytes(11, 0, length);
    client.data.write(0, bytes);
    await client.write(0, MIB, length);
    const remote = await client.remoteHash(MIB, length);
    expect(Buffer.from(remote).toString('hex')).toBe(sha256(bytes));
  });

  it('RDMA READ of 3 MiB returns what the server filled in', async () => {
    const length = 3 * MIB + 1234;
    await client.remoteFill(23, 4096, length);
    client.data.write(0, new Uint8Array(length)); // zero the target first
    await client.read(0, 4096, length);
    expect(sha256(client.data.read(0, length))).toBe(sha256(patternBytes(23, 4096, length)));
  });

  it('counts what crossed the wire: every ICRC valid under some IPv4 ID, none malformed', () => {
    const snapshot = host.link.counters.snapshot();
    expect(snapshot['rxe.rx_datagrams']).toBeGreaterThan(1000);
    expect(snapshot['rxe.rx_bad_icrc'] ?? 0).toBe(0);
    expect(snapshot['rxe.rx_malformed'] ?? 0).toBe(0);
  });
});
