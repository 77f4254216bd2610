import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CommandRegistry,
  formatRpcinfo,
  main,
  nfsCommand,
  type RpcinfoEntry,
  rpcinfoCommand,
  serveCommand,
} from '../src/index.js';
import { captureIo } from './cli-io.js';
import { ensureRpcbind, hasCommand, requirePeers } from './peers.js';

const registry = new CommandRegistry().register(rpcinfoCommand).register(serveCommand).register(nfsCommand);
const haveRpcbind = hasCommand('rpcbind');

describe('rdmalab rpcinfo without rpcbind', () => {
  it('says it cannot reach rpcbind and exits 1', async () => {
    const io = captureIo();
    expect(await main(['rpcinfo', '--server', '127.0.0.1:1'], io, registry)).toBe(1);
    expect(io.stderr).toContain('cannot reach rpcbind on 127.0.0.1:1: ECONNREFUSED');
  });

  it('rejects a bad --server with exit 2', async () => {
    const io = captureIo();
    expect(await main(['rpcinfo', '--server', '[::1'], io, registry)).toBe(2);
    expect(io.stderr).toContain('opens "[" without a closing "]"');
  });

  it('formats the table rpcinfo -p prints', () => {
    expect(
      formatRpcinfo([
        { program: 100000, version: 4, protocol: 'tcp', port: 111, service: 'portmapper' },
        { program: 100003, version: 3, protocol: 'tcp', port: 2049, service: 'nfs' },
        { program: 536870913, version: 1, protocol: 'udp', port: 40000, service: '' },
      ]),
    ).toBe(
      [
        '  program  vers  proto   port  service',
        '   100000     4    tcp    111  portmapper',
        '   100003     3    tcp   2049  nfs',
        '536870913     1    udp  40000',
      ].join('\n'),
    );
  });
});

describe.skipIf(!haveRpcbind && !requirePeers)(
  'rdmalab rpcinfo and serve with Debian rpcbind on 127.0.0.1:111',
  () => {
    let stopRpcbind: () => Promise<void> = async () => {};

    beforeAll(async () => {
      stopRpcbind = await ensureRpcbind();
    });
    afterAll(async () => {
      await stopRpcbind();
    });

    async function rpcinfoJson(): Promise<RpcinfoEntry[]> {
      const io = captureIo();
      expect(await main(['rpcinfo', '--json'], io, registry)).toBe(0);
      return JSON.parse(io.stdout) as RpcinfoEntry[];
    }

    it('lists rpcbind itself (program 100000 on port 111), as a table and as JSON', async () => {
      expect(await rpcinfoJson()).toContainEqual({
        program: 100000,
        version: 2,
        protocol: 'tcp',
        port: 111,
        service: 'portmapper',
      });
      const io = captureIo();
      expect(await main(['rpcinfo', '--server', '127.0.0.1:111'], io, registry)).toBe(0);
      const [header, ...rows] = io.stdout.trimEnd().split('\n');
      expect(header).toMatch(/^ *program +vers +proto +port +service$/);
      expect(rows).toContainEqual(expect.stringMatching(/^ *100000 +4 +tcp +111 +portmapper$/));
    });

    it('serve registers NFS and MOUNT; a client finds them through rpcbind; they go on Ctrl-C', async () => {
      // rpcbind holds one registration per program and version: wait out another NFS server's test.
      const free = Date.now() + 60_000;
      while ((await rpcinfoJson()).some((e) => e.program === 100003 || e.program === 100005)) {
        if (Date.now() > free) throw new Error('another NFS server stays registered with rpcbind');
        await new Promise((r) => setTimeout(r, 500));
      }
      const stop = new AbortController();
      const serverIo = captureIo(stop.signal);
      const served = main(['serve', '--listen', '127.0.0.1:0'], serverIo, registry);
      let port = 0;
      const deadline = Date.now() + 10_000;
      while (!/serving until Ctrl-C/.test(serverIo.stdout)) {
        if (Date.now() > deadline)
          throw new Error(`serve did not start:\n${serverIo.stdout}${serverIo.stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      try {
        expect(serverIo.stdout).toMatch(
          /registered with rpcbind on 127\.0\.0\.1:111 \(nfs 3 tcp \d+, mountd 3 tcp \d+\)/,
        );
        port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(serverIo.stdout)![1]);
        const entries = await rpcinfoJson();
        expect(entries).toContainEqual({
          program: 100003,
          version: 3,
          protocol: 'tcp',
          port,
          service: 'nfs',
        });
        expect(entries).toContainEqual({
          program: 100005,
          version: 3,
          protocol: 'tcp',
          port,
          service: 'mountd',
        });

        const io = captureIo();
        expect(await main(['nfs', '--server', '127.0.0.1', 'mkdir', '/via-rpcbind'], io, registry)).toBe(0);
        const ls = captureIo();
        expect(await main(['nfs', '--server', '127.0.0.1', 'ls'], ls, registry)).toBe(0);
        expect(ls.stdout).toBe('via-rpcbind\n');
      } finally {
        stop.abort();
        expect(await served).toBe(0);
      }
      expect(serverIo.stderr).toContain('unregistered from rpcbind');
      const after = await rpcinfoJson();
      expect(after.filter((e) => e.port === port)).toEqual([]);
    });
  },
);
