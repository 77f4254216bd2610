import 'reflect-metadata';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { RealScheduler } from '@rdmalab/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IPPROTO_TCP,
  IPPROTO_UDP,
  parseUniversalAddress,
  RPCBIND_PROGRAM,
  RpcbindClient,
  TcpTransportClass,
  TransportClassRegistry,
} from '../src/index.js';
import { commandPath, hasCommand, isListening, requirePeers, waitListening } from './support/peers.js';

const haveRpcbind = hasCommand('rpcbind');

/**
 * Interop with Debian's rpcbind (a real ONC RPC server written in C): NULL, GETPORT, GETADDR and
 * DUMP, checked against what rpcinfo (its own client) prints.
 */
describe.skipIf(!haveRpcbind && !requirePeers)('rpcbind interop (Debian rpcbind on 127.0.0.1:111)', () => {
  const scheduler = new RealScheduler();
  const registry = new TransportClassRegistry();
  registry.register(new TcpTransportClass());
  let started: ChildProcess | null = null;
  let client: RpcbindClient;

  beforeAll(async () => {
    if (!haveRpcbind)
      throw new Error('rpcbind is not installed (RDMALAB_REQUIRE_PEERS=1): apt-get install rpcbind');
    if (!(await isListening('127.0.0.1', 111))) {
      if (process.getuid?.() !== 0) throw new Error('rpcbind must be started as root to bind port 111');
      mkdirSync('/run/rpcbind', { recursive: true });
      started = spawn(commandPath('rpcbind'), ['-f', '-w'], { stdio: 'ignore' });
      if (!(await waitListening('127.0.0.1', 111, 5000)))
        throw new Error('rpcbind did not start listening on 111');
    }
    client = new RpcbindClient(registry, { host: '127.0.0.1', scheduler, timeout: { initialNs: 2e9 } });
  });

  afterAll(async () => {
    await client?.close();
    scheduler.close();
    const proc = started;
    if (proc !== null && proc.exitCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      await exited;
    }
  });

  it('answers NULL on versions 2, 3 and 4', async () => {
    await client.ping(2);
    await client.ping(3);
    await client.ping(4);
    expect(client.rpc.stats.get(RPCBIND_PROGRAM, 2, 0)).toMatchObject({ ops: 1, errors: 0 });
  });

  it('GETPORT of rpcbind itself is 111 over TCP and UDP; an unknown program is 0', async () => {
    expect(await client.getPort(RPCBIND_PROGRAM, 2, IPPROTO_TCP)).toBe(111);
    expect(await client.getPort(RPCBIND_PROGRAM, 4, IPPROTO_UDP)).toBe(111);
    expect(await client.getPort(0x3fff_fff0, 1, IPPROTO_TCP)).toBe(0);
  });

  it('GETADDR (v3 and v4) returns a universal address for port 111; null when unregistered', async () => {
    const addr4 = await client.getAddr(RPCBIND_PROGRAM, 4, 'tcp', 4);
    expect(addr4).not.toBeNull();
    expect(parseUniversalAddress(addr4!).port).toBe(111);
    const addr3 = await client.getAddr(RPCBIND_PROGRAM, 3, 'tcp', 3);
    expect(parseUniversalAddress(addr3!).port).toBe(111);
    expect(await client.getAddr(0x3fff_fff0, 1, 'tcp')).toBeNull();
  });

  it('DUMP v2 lists the same mappings rpcinfo -p prints', async () => {
    const mappings = await client.dump();
    expect(mappings).toContainEqual({ prog: RPCBIND_PROGRAM, vers: 2, prot: IPPROTO_TCP, port: 111 });
    const rpcinfo = spawnSync(commandPath('rpcinfo'), ['-p', '127.0.0.1'], { encoding: 'utf8' });
    if (rpcinfo.status === 0) {
      const fromRpcinfo = rpcinfo.stdout
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f.length >= 4)
        .map(([prog, vers, proto, port]) => `${prog}/${vers}/${proto === 'tcp' ? 6 : 17}/${port}`)
        .sort();
      const ours = mappings.map((m) => `${m.prog}/${m.vers}/${m.prot}/${m.port}`).sort();
      expect(ours).toEqual(fromRpcinfo);
    }
  });

  it('DUMP v4 lists netids, universal addresses and owners', async () => {
    const entries = await client.dumpEntries(4);
    const tcp = entries.find((e) => e.prog === RPCBIND_PROGRAM && e.vers === 4 && e.netid === 'tcp');
    expect(tcp).toBeDefined();
    expect(parseUniversalAddress(tcp!.addr).port).toBe(111);
    expect(tcp!.owner).toBe('superuser');
    expect(await client.dumpEntries(3)).toEqual(
      expect.arrayContaining([expect.objectContaining({ netid: 'tcp' })]),
    );
  });

  it('GETTIME returns the server clock in seconds', async () => {
    const t = await client.getTime();
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(60);
  });
});
