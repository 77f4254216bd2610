import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealScheduler } from '@rdmalab/kernel';
import { RpcbindClient, TcpTransportClass, TransportClassRegistry } from '@rdmalab/sunrpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountNfs } from '../src/client/mount.js';
import { MOUNT_PROGRAM, MOUNT_V3, NFS_PROGRAM, NFS_V3 } from '../src/constants.js';
import { clientSuite } from './support/client-suite.js';
import { freePort, hasCommand, startProcess, stopProcess, waitFor } from './support/peers.js';

const haveGanesha = hasCommand('ganesha.nfsd') && hasCommand('rpcbind');
const isRoot = process.getuid?.() === 0;
const need = process.env.RDMALAB_REQUIRE_PEERS === '1';

/** nfs-ganesha serving a temp directory over NFSv3/TCP on 127.0.0.1 (config from toolchain.md). */
function ganeshaConfig(exportDir: string, nfsPort: number, mountPort: number): string {
  return `NFS_CORE_PARAM {
  Protocols = 3;
  NFS_Port = ${nfsPort};
  MNT_Port = ${mountPort};
  Enable_NLM = false;
  Enable_RQUOTA = false;
  Enable_UDP = false;
  Bind_addr = 127.0.0.1;
}
NFSV4 { Graceless = true; }
EXPORT {
  Export_Id = 77;
  Path = ${exportDir};
  Pseudo = ${exportDir};
  Protocols = 3;
  Transports = TCP;
  Access_Type = RW;
  Squash = No_Root_Squash;
  SecType = sys;
  FSAL { Name = VFS; }
}
`;
}

async function rpcbindAnswers(): Promise<boolean> {
  const registry = new TransportClassRegistry();
  registry.register(new TcpTransportClass());
  const client = new RpcbindClient(registry, {
    host: '127.0.0.1',
    scheduler: new RealScheduler(),
    timeout: { initialNs: 500e6, retries: 0 },
  });
  try {
    await client.ping(2);
    return true;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

async function registered(prog: number, vers: number): Promise<boolean> {
  const registry = new TransportClassRegistry();
  registry.register(new TcpTransportClass());
  const client = new RpcbindClient(registry, { host: '127.0.0.1', scheduler: new RealScheduler() });
  try {
    return (await client.getPort(prog, vers)) !== 0;
  } finally {
    await client.close();
  }
}

describe.skipIf((!haveGanesha || !isRoot) && !need)('nfs-ganesha interop (NFSv3 over TCP)', () => {
  let base: string;
  let exportDir: string;
  let ganesha: { child: ChildProcess; output: () => string } | undefined;
  let rpcbind: { child: ChildProcess; output: () => string } | undefined;

  beforeAll(async () => {
    if (!haveGanesha) throw new Error('RDMALAB_REQUIRE_PEERS=1 but ganesha.nfsd or rpcbind is not installed');
    if (!isRoot) throw new Error('RDMALAB_REQUIRE_PEERS=1 but nfs-ganesha needs root');
    base = await mkdtemp(join(tmpdir(), 'rdmalab-ganesha-'));
    exportDir = join(base, 'export');
    await mkdir(exportDir);
    if (!(await rpcbindAnswers())) {
      await mkdir('/run/rpcbind', { recursive: true });
      rpcbind = startProcess('rpcbind', ['-f', '-w']);
      await waitFor('rpcbind', rpcbindAnswers, 10_000);
    }
    const conf = join(base, 'ganesha.conf');
    await writeFile(conf, ganeshaConfig(exportDir, await freePort(), await freePort()));
    ganesha = startProcess('ganesha.nfsd', [
      '-F',
      '-L',
      join(base, 'ganesha.log'),
      '-f',
      conf,
      '-p',
      join(base, 'ganesha.pid'),
    ]);
    try {
      await waitFor(
        'ganesha.nfsd',
        async () => (await registered(MOUNT_PROGRAM, MOUNT_V3)) && (await registered(NFS_PROGRAM, NFS_V3)),
        20_000,
      );
      // Registered is not yet serving: wait until a mount works.
      await waitFor(
        'ganesha MOUNT',
        async () => {
          const fs = await mountNfs({
            host: '127.0.0.1',
            path: exportDir,
            timeout: { initialNs: 1e9, retries: 0 },
          });
          await fs.unmount();
          return true;
        },
        20_000,
      );
    } catch (e) {
      const log = await readFile(join(base, 'ganesha.log'), 'utf8').catch(() => '');
      throw new Error(`${(e as Error).message}\n${ganesha.output()}\n${log.slice(-2000)}`);
    }
  }, 60_000);

  afterAll(async () => {
    if (ganesha) await stopProcess(ganesha.child);
    if (rpcbind) await stopProcess(rpcbind.child);
    if (base) await rm(base, { recursive: true, force: true });
  }, 30_000);

  // Mounted through rpcbind (GETPORT of MOUNT 100005 v3 and NFS 100003 v3), as mount.nfs does.
  clientSuite('nfs-ganesha', ({ cacheBytes }) =>
    mountNfs({ host: '127.0.0.1', path: exportDir, cacheBytes }),
  );

  it('left the export empty and wrote through to the exported directory', async () => {
    const fs = await mountNfs({ host: '127.0.0.1', path: exportDir });
    await fs.writeFile('/through.txt', 'via ganesha');
    await fs.unmount();
    expect(await readFile(join(exportDir, 'through.txt'), 'utf8')).toBe('via ganesha');
  });
});
