import { afterAll, describe, expect, it } from 'vitest';
import { RxeHost } from '../src/host/rxe-host.js';
import { patternBytes } from '../src/peer/page-buffer.js';
import { PeerClient, PeerOperationError } from '../src/peer/peer-client.js';
import { type PeerProcess, spawnPeer } from './peer-process.js';
import { sha256 } from './sha.js';

const CLIENT_IP = '127.0.4.1';
const SERVER_IP = '127.0.4.2';
const PORT = 20049;
const LENGTH = 6 << 20;

describe('the server process is killed mid-transfer', () => {
  const peers: PeerProcess[] = [];
  // Local ACK timeout 2^14 × 4.096 µs ≈ 67 ms. The first connection gets 2 retries, so the dead
  // server is noticed within ~200 ms; the reconnect to a live server gets 7 (~540 ms), so a peer
  // process starved of CPU on a loaded 2-core CI machine is not mistaken for a dead one.
  const host = new RxeHost({
    ip: CLIENT_IP,
    memoryPages: 4096,
    cm: { ackTimeout: 14, responseTimeout: 16, maxCmRetries: 3 },
  });
  const connect = (retryCount: number) =>
    PeerClient.connect(host, {
      server: { ip: SERVER_IP, port: PORT },
      retryCount,
      bufferBytes: 8 << 20,
      chunkBytes: 128 << 10,
    });

  afterAll(async () => {
    for (const peer of peers) await peer.stop();
    await host.close();
  });

  it('RETRY_EXC_ERR at the client, then a new server process and a reconnect complete the transfer intact', async () => {
    await host.ready;
    peers.push(await spawnPeer({ ip: SERVER_IP, port: PORT, bufferMib: 8 }));
    const first = await connect(2);
    const bytes = patternBytes(77, 0, LENGTH);
    first.data.write(0, bytes);

    const transfer = first.write(0, 0, LENGTH);
    // Kill the server once the transfer is under way (some chunks completed, most not).
    const killed = (async () => {
      while (host.device.counters.get('roce.acks_received') < 4) await new Promise((r) => setTimeout(r, 1));
      await peers[0]!.kill();
    })();
    const failure = await transfer.then(
      () => undefined,
      (error: unknown) => error,
    );
    await killed;
    expect(failure).toBeInstanceOf(PeerOperationError);
    expect((failure as PeerOperationError).code).toBe('RETRY_EXC_ERR');
    expect((failure as Error).message).toMatch(
      /RDMA WRITE .* to 127\.0\.4\.2 failed with RETRY_EXC_ERR: the peer stopped acknowledging/,
    );
    expect(first.failure?.code).toBe('RETRY_EXC_ERR');
    first.close();

    // While no server runs, connecting fails cleanly (no REP, the CM gives up), it does not hang.
    const refused = await connect(2).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((refused as PeerOperationError).code).toBe('ETIMEDOUT');

    peers.push(await spawnPeer({ ip: SERVER_IP, port: PORT, bufferMib: 8 }));
    const second = await connect(7);
    second.data.write(0, bytes);
    await second.write(0, 0, LENGTH);
    expect(Buffer.from(await second.remoteHash(0, LENGTH)).toString('hex')).toBe(sha256(bytes));
    second.close();
  }, 30_000);
});
