import type { Scheduler } from '@rdmalab/kernel';
import { MOUNT_PROGRAM, MOUNT_V3, NFS_PROGRAM, NFS_V3 } from '@rdmalab/nfs';
import { IPPROTO_TCP, RPCBIND_PORT, RpcbindClient, type TransportRegistry } from '@rdmalab/sunrpc';
import { probeTcp } from '../net/probe.js';

/** What registering the server's programs with the local rpcbind came to. */
export type RpcbindRegistration =
  | { readonly registered: true; readonly unregister: () => Promise<void> }
  | { readonly registered: false; readonly reason: string };

/** rpcbind accepts SET only from the local host (RFC 1833 §2; Linux rpcbind's check_access). */
const RPCBIND_HOST = '127.0.0.1';

/**
 * Register NFS v3 and MOUNT v3 over TCP with the rpcbind on this host (portmapper v2 SET, as
 * rpc.mountd and rpc.nfsd do for IPv4), so clients find the ports with GETPORT. Never throws:
 * a missing or refusing rpcbind is reported, and the server runs on without it.
 */
export async function registerWithRpcbind(
  registry: TransportRegistry,
  scheduler: Scheduler,
  ports: { readonly nfs: number; readonly mount: number },
): Promise<RpcbindRegistration> {
  const where = `${RPCBIND_HOST}:${RPCBIND_PORT}`;
  const refused = await probeTcp(RPCBIND_HOST, RPCBIND_PORT);
  if (refused !== null) return { registered: false, reason: `no rpcbind on ${where} (${refused})` };
  const client = new RpcbindClient(registry, {
    host: RPCBIND_HOST,
    scheduler,
    timeout: { initialNs: 2e9, retries: 1 },
  });
  const wanted = [
    { prog: NFS_PROGRAM, vers: NFS_V3, prot: IPPROTO_TCP, port: ports.nfs },
    { prog: MOUNT_PROGRAM, vers: MOUNT_V3, prot: IPPROTO_TCP, port: ports.mount },
  ];
  const done: (typeof wanted)[number][] = [];
  try {
    for (const mapping of wanted) {
      if (!(await client.set(mapping))) {
        const holder = await client.getPort(mapping.prog, mapping.vers, IPPROTO_TCP);
        throw new Error(
          `rpcbind on ${where} refused SET of program ${mapping.prog} v${mapping.vers}` +
            (holder !== 0 ? ` (port ${holder} holds it already)` : ''),
        );
      }
      done.push(mapping);
    }
  } catch (e) {
    for (const mapping of done) await client.unset(mapping.prog, mapping.vers).catch(() => false);
    await client.close();
    return { registered: false, reason: e instanceof Error ? e.message : String(e) };
  }
  await client.close();
  return {
    registered: true,
    unregister: async () => {
      const c = new RpcbindClient(registry, {
        host: RPCBIND_HOST,
        scheduler,
        timeout: { initialNs: 2e9, retries: 0 },
      });
      try {
        for (const mapping of done) await c.unset(mapping.prog, mapping.vers);
      } finally {
        await c.close();
      }
    },
  };
}
