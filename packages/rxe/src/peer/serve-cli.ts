#!/usr/bin/env node
/**
 * `node dist/peer/serve-cli.js --ip 127.0.0.2 --port 20049 [--mtu 4096] [--buffer-mib 8]
 * [--slot-bytes N] [--ack-timeout 14]`: an rxe host serving PeerServer on `ip`, for the two-process
 * tests and benchmarks. Prints `READY <ip> <port>` on stdout once listening; exits 0 on SIGTERM / SIGINT,
 * 2 on a usage error, 1 if the socket cannot be bound.
 */
import { parseArgs } from 'node:util';
import { RxeHost } from '../host/rxe-host.js';
import { PeerServer } from './peer-server.js';

const USAGE =
  'usage: serve-cli --ip A.B.C.D --port N [--mtu BYTES] [--buffer-mib N] [--slot-bytes N] [--ack-timeout CODE]';

function intOption(
  values: Record<string, string | boolean | undefined>,
  name: string,
  fallback?: number,
): number {
  const raw = values[name];
  if (raw === undefined && fallback !== undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < 0) {
    process.stderr.write(`--${name}: expected a non-negative integer, got ${String(raw)}\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        ip: { type: 'string' },
        port: { type: 'string' },
        mtu: { type: 'string' },
        'buffer-mib': { type: 'string' },
        'slot-bytes': { type: 'string' },
        'ack-timeout': { type: 'string' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (typeof values.ip !== 'string') {
    process.stderr.write(`--ip is required\n${USAGE}\n`);
    process.exit(2);
  }
  const port = intOption(values, 'port');
  const bufferBytes = intOption(values, 'buffer-mib', 8) << 20;
  const slotBytes = intOption(values, 'slot-bytes', (1 << 20) + 64);
  const slots = 4;
  const pages = Math.ceil((bufferBytes + slots * slotBytes) / 4096) * 2 + 256;
  const host = new RxeHost({
    ip: values.ip,
    name: `peer@${values.ip}`,
    mtu: intOption(values, 'mtu', 1024),
    memoryPages: pages,
    cm: { ackTimeout: intOption(values, 'ack-timeout', 14), responseTimeout: 16 },
  });
  try {
    await host.ready;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
  const server = new PeerServer(host, {
    port,
    bufferBytes,
    slotBytes,
    slots,
    log: (line) => process.stderr.write(`[peer ${values.ip}] ${line}\n`),
  });
  server.listen();
  const stop = () => {
    server.close();
    // Give the DREQs a moment on the wire, then close the socket.
    setTimeout(() => void host.close().then(() => process.exit(0)), 50);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`READY ${values.ip} ${port}\n`);
}

void main();
