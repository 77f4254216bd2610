import 'reflect-metadata';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAGE_SIZE } from '@rdmalab/kernel';
import { mountNfs, NfsError } from '@rdmalab/nfs';
import { TRANSPORT_REGISTRY } from '@rdmalab/sunrpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeNfsStack } from '../src/stack/compose.js';
import { ConnectionLossLog } from '../src/stack/connection-loss-log.js';
import { startRxeHost } from '../src/stack/rdma-rxe.js';
import {
  ensureCliBuilt,
  freePort,
  killAllServes,
  patternBytes,
  runCli,
  type ServeProcess,
  startServe,
} from './rxe-cli.js';

// Addresses of this file only.
const SERVER_IP = '127.0.11.2';
const CLIENT_IP = '127.0.11.1';
const API_CLIENT_IP = '127.0.11.3';

/** Wait until `path` has grown past 0 bytes on the server's disk: the transfer is under way. */
async function untilGrowing(path: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      // not created yet
    }
    if (size > 0) return;
    if (Date.now() > deadline) throw new Error(`${path} never started to grow`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('NFS over rxe: the server process is killed mid-transfer, then comes back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rdmalab-rxe-restart-'));
  const exportDir = join(dir, 'export');
  const keyFile = join(dir, 'handles.key');
  const local = join(dir, 'big.bin');
  const data = patternBytes(48 * 1024 * 1024 + 99, 21);
  let mountPort = 0;
  let serveArgs: string[] = [];
  let serve: ServeProcess | undefined;
  const nfs = (...args: string[]) =>
    runCli([
      'nfs',
      '--transport',
      'rdma',
      '--server',
      SERVER_IP,
      '--source',
      CLIENT_IP,
      '--mount-port',
      String(mountPort),
      // 5 s RPC timeouts (the rdma default is 10 s): the dead server is noticed sooner.
      '--timeo',
      '50',
      ...args,
    ]);

  beforeAll(async () => {
    ensureCliBuilt();
    mkdirSync(exportDir);
    writeFileSync(local, data);
    // The restarted server must answer on the same ports: fix the TCP one too.
    mountPort = await freePort(SERVER_IP);
    serveArgs = [
      '--transport',
      'rdma',
      '--listen',
      SERVER_IP,
      '--mount-port',
      String(mountPort),
      '--export',
      exportDir,
      '--handle-secret',
      keyFile,
      '--no-rpcbind',
    ];
    serve = await startServe(serveArgs);
  }, 60_000);

  afterAll(async () => {
    await killAllServes();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('the client sees the connection die of retry exhaustion and exits 1 naming it', async () => {
    const put = nfs('put', local, '/big.bin');
    // Kill once the transfer is under way: the file has started to grow on the server's disk.
    const target = join(exportDir, 'big.bin');
    await untilGrowing(target);
    await serve!.kill();
    const result = await put;
    expect(result.code, result.err).toBe(1);
    // The RPC gives up (soft mount: ETIMEDOUT) and says why the RDMA connection went away: the
    // server's QP stopped acknowledging, the client's Send exhausted its retries.
    expect(result.err).toMatch(/rdmalab nfs put: ETIMEDOUT/);
    expect(result.err).toMatch(/the RDMA connection was lost before: .*RETRY_EXC_ERR/);
    expect(statSync(target).size).toBeLessThan(data.length);
  }, 180_000);

  it('a new server on the same address takes the rewrite, and the file is intact', async () => {
    serve = await startServe(serveArgs);
    const put = await nfs('put', local, '/big.bin');
    expect(put.code, put.err).toBe(0);
    expect(Buffer.compare(readFileSync(join(exportDir, 'big.bin')), data)).toBe(0);
    const back = join(dir, 'back.bin');
    const get = await nfs('get', '/big.bin', back);
    expect(get.code, get.err).toBe(0);
    expect(Buffer.compare(readFileSync(back), data)).toBe(0);
    expect(await serve.stop()).toBe(130);
  }, 180_000);

  it('one client mount rides through the restart: its RDMA transport reconnects and the rewrite lands intact', async () => {
    serve = await startServe(serveArgs);
    const cacheBytes = 8 << 20;
    const container = composeNfsStack({
      rxe: { ip: API_CLIENT_IP, memoryPages: cacheBytes / PAGE_SIZE + 4096 },
    });
    const rxe = await startRxeHost(container);
    const registry = container.resolve(TRANSPORT_REGISTRY);
    const losses = new ConnectionLossLog();
    const rdma = registry.get('rdma');
    registry.unregister('rdma');
    registry.register(losses.watch(rdma));
    try {
      const fs = await mountNfs({
        host: SERVER_IP,
        path: '/',
        transport: 'rdma',
        registry,
        port: 20049,
        mountPort,
        scheduler: rxe.scheduler,
        memory: rxe.host.memory,
        cacheBytes,
        // As the CLI over RDMA (with --timeo 50): one timeout period, no resend on a live connection.
        timeout: { initialNs: 5e9, retries: 0, soft: true },
      });
      const payload = data.subarray(0, 24 * 1024 * 1024);
      const first = fs.writeFile('/api.bin', payload).then(
        () => undefined,
        (e: unknown) => e,
      );
      await untilGrowing(join(exportDir, 'api.bin'));
      await serve.kill();
      const err = await first;
      expect(err).toBeInstanceOf(NfsError);
      expect((err as NfsError).code).toBe('ETIMEDOUT');
      expect(losses.last?.message).toMatch(/connection lost \(send completion RETRY_EXC_ERR\)/);

      // The same mount, the same file handles (same key, same directory): only the transport reconnects.
      serve = await startServe(serveArgs);
      await fs.writeFile('/api.bin', payload);
      expect(Buffer.compare(await fs.readFile('/api.bin'), payload)).toBe(0);
      expect(Buffer.compare(readFileSync(join(exportDir, 'api.bin')), payload)).toBe(0);
      await fs.unmount();
      expect(await serve.stop()).toBe(130);
    } finally {
      await rxe.close();
    }
  }, 180_000);
});
