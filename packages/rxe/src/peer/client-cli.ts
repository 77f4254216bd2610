#!/usr/bin/env node
/**
 * `node dist/peer/client-cli.js --ip LOCAL --server IP --port N [--mtu BYTES] [--mib N]`: connect to a
 * serve-cli peer, then SEND a 1 MiB message and check the echo, RDMA WRITE N MiB and compare the
 * server's SHA-256, have the server fill N MiB and RDMA READ it back. Prints one JSON line with the
 * results; exits 0 when every byte matched, 1 otherwise, 2 on a usage error.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { RxeHost } from '../host/rxe-host.js';
import { patternBytes } from './page-buffer.js';
import { PeerClient } from './peer-client.js';

const USAGE = 'usage: client-cli --ip A.B.C.D --server A.B.C.D --port N [--mtu BYTES] [--mib N]';
const MIB = 1 << 20;

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

const hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function main(): Promise<void> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        ip: { type: 'string' },
        server: { type: 'string' },
        port: { type: 'string' },
        mtu: { type: 'string' },
        mib: { type: 'string' },
      },
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`, 2);
  }
  const { ip, server } = values;
  const port = Number(values.port);
  const mib = Number(values.mib ?? 4);
  const mtu = Number(values.mtu ?? 1024);
  if (!ip || !server || !Number.isInteger(port) || !Number.isInteger(mib) || mib < 1 || mib > 8)
    fail(USAGE, 2);
  const host = new RxeHost({ ip, mtu, memoryPages: 8192 });
  const results: Record<string, boolean | number | string> = {};
  try {
    await host.ready;
    const client = await PeerClient.connect(host, { server: { ip: server, port } });
    const message = patternBytes(1, 0, MIB);
    results.echo = hex(await client.echo(message)) === hex(message);
    const length = mib * MIB;
    const bytes = patternBytes(2, 0, length);
    client.data.write(0, bytes);
    await client.write(0, 0, length);
    results.write = Buffer.from(await client.remoteHash(0, length)).toString('hex') === hex(bytes);
    await client.remoteFill(3, 0, length);
    await client.read(0, 0, length);
    results.read = hex(client.data.read(0, length)) === hex(patternBytes(3, 0, length));
    results.retransmitted = host.device.counters.get('roce.retransmitted_packets');
    client.close();
  } catch (error) {
    results.error = (error as Error).message;
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
  await host.close();
  process.exit(results.echo && results.write && results.read ? 0 : 1);
}

void main();
