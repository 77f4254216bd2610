import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, type PeerProcess, SERVE_CLI, spawnPeer } from './peer-process.js';
import { hasCommand, isRoot, requirePeers } from './tools.js';

// Names unique to this run; everything is created inside namespaces this test owns, and deleted after.
const NS_A = `rdmalab-rxe-a-${process.pid}`;
const NS_B = `rdmalab-rxe-b-${process.pid}`;
const A = '10.99.0.1';
const B = '10.99.0.2';
const PORT = 20049;
const CLIENT_CLI = join(SERVE_CLI, '..', 'client-cli.js');
const haveIp = hasCommand('ip');

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

describe.skipIf(!(haveIp && isRoot) && !requirePeers)(
  'two network namespaces joined by a veth pair (10.99.0.0/30)',
  () => {
    let server: PeerProcess | undefined;

    beforeAll(() => {
      if (!haveIp) throw new Error('iproute2 (ip) is required (RDMALAB_REQUIRE_PEERS=1) but not installed');
      if (!isRoot) throw new Error('creating network namespaces needs root (RDMALAB_REQUIRE_PEERS=1)');
      ensureBuilt();
      ip('netns', 'add', NS_A);
      ip('netns', 'add', NS_B);
      // Create the pair inside A, then move one end to B: the root namespace never holds either end.
      ip('-n', NS_A, 'link', 'add', 'veth-a', 'type', 'veth', 'peer', 'name', 'veth-b');
      ip('-n', NS_A, 'link', 'set', 'veth-b', 'netns', NS_B);
      ip('-n', NS_A, 'addr', 'add', `${A}/30`, 'dev', 'veth-a');
      ip('-n', NS_B, 'addr', 'add', `${B}/30`, 'dev', 'veth-b');
      for (const [ns, dev] of [
        [NS_A, 'veth-a'],
        [NS_B, 'veth-b'],
      ] as const) {
        ip('-n', ns, 'link', 'set', 'lo', 'up');
        ip('-n', ns, 'link', 'set', dev, 'up');
      }
    });

    afterAll(async () => {
      await server?.stop();
      for (const ns of [NS_A, NS_B]) {
        try {
          ip('netns', 'del', ns); // deleting A also removes the veth pair
        } catch {
          // never created (the setup failed before it)
        }
      }
    });

    it('a client process in A connects through the CM to a server process in B and moves data both ways, verified', async () => {
      server = await spawnPeer({ ip: B, port: PORT, netns: NS_B, mtu: 1024 });
      const child = spawn(
        'ip',
        [
          'netns',
          'exec',
          NS_A,
          process.execPath,
          CLIENT_CLI,
          '--ip',
          A,
          '--server',
          B,
          '--port',
          String(PORT),
          '--mtu',
          '1024',
          '--mib',
          '4',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
      child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code, `client: ${out} ${err}; server log: ${server.log.join('')}`).toBe(0);
      const result = JSON.parse(out.trim()) as Record<string, unknown>;
      expect(result).toMatchObject({ echo: true, write: true, read: true });
    }, 30_000);
  },
);
