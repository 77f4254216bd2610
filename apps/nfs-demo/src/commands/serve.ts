import { parseArgs } from 'node:util';
import { RealScheduler } from '@rdmalab/kernel';
import { DirectoryStore, NFS_PORT, NFS_STORE, NfsServer, type NfsStore } from '@rdmalab/nfs';
import { TRANSPORT_REGISTRY } from '@rdmalab/sunrpc';
import { type Command, UsageError } from '../command.js';
import type { CliIo } from '../io.js';
import { formatHostPort, parseHostPort, parsePort } from '../net/address.js';
import { type ComposeNfsStack, composeNfsStack } from '../stack/compose.js';
import { registerWithRpcbind } from '../stack/rpcbind-registration.js';
import {
  parseTransportChoice,
  requireTransport,
  TransportUnavailableError,
} from '../stack/transport-choice.js';

const USAGE = `usage: rdmalab serve [--transport tcp|rdma] [--backend sim|rxe] [--listen ADDR[:PORT]]
                     [--mount-port N] [--export DIR] [--no-rpcbind]

Runs an NFSv3 server (with its MOUNT v3 service) until Ctrl-C. Clients mount "/".

  --transport T    RPC transport: tcp (default) or rdma (when an RDMA transport is registered)
  --backend B      for rdma: sim (simulated fabric) or rxe (Soft-RoCE over UDP)
  --listen A[:P]   address to listen on (default 127.0.0.1:${NFS_PORT}; port 0 picks a free one)
  --mount-port N   also serve MOUNT (and NFS) on this port, as mountd does on its own
  --export DIR     export this directory (default: an in-memory file system)
  --no-rpcbind     do not register with the local rpcbind

Registers NFS 3 and MOUNT 3 over TCP with rpcbind on 127.0.0.1:111 when one is running, and
unregisters on exit. Exit status: 0 after Ctrl-C, 1 when the server could not start, 2 on bad usage.`;

/** The export path clients MNT. */
const EXPORT_PATH = '/';

/** `rdmalab serve` over the stack `compose` builds (the CLI's default: TCP, memory or directory store). */
export function createServeCommand(compose: ComposeNfsStack = composeNfsStack): Command {
  return {
    name: 'serve',
    summary: 'run an NFSv3 server (NFS + MOUNT) over TCP until Ctrl-C',
    usage: USAGE,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const { values } = parseArgs({
        args: [...args],
        options: {
          transport: { type: 'string' },
          backend: { type: 'string' },
          listen: { type: 'string' },
          'mount-port': { type: 'string' },
          export: { type: 'string' },
          'no-rpcbind': { type: 'boolean' },
        },
        strict: true,
        allowPositionals: false,
      });
      const choice = parseTransportChoice(values.transport, values.backend);
      const listen = parseHostPort('--listen', values.listen ?? `127.0.0.1:${NFS_PORT}`);
      const port = listen.port ?? NFS_PORT;
      const mountPort =
        values['mount-port'] === undefined ? undefined : parsePort('--mount-port', values['mount-port']);

      const container = compose({
        // The in-memory export belongs to whoever runs the server, as a directory they exported would.
        memoryStore: { rootUid: process.getuid?.() ?? 0, rootGid: process.getgid?.() ?? 0 },
      });
      const registry = container.resolve(TRANSPORT_REGISTRY);
      try {
        requireTransport(registry, choice);
      } catch (e) {
        if (!(e instanceof TransportUnavailableError)) throw e;
        io.err(`rdmalab serve: ${e.message}`);
        return 2;
      }
      let store: NfsStore;
      let what: string;
      if (values.export !== undefined) {
        try {
          const directory = await DirectoryStore.open(values.export);
          store = directory;
          what = `directory ${directory.root}`;
        } catch (e) {
          throw new UsageError(`--export ${values.export}: ${e instanceof Error ? e.message : String(e)}`);
        }
      } else {
        store = container.resolve(NFS_STORE);
        what = 'an in-memory file system';
      }

      const scheduler = new RealScheduler();
      const server = new NfsServer({
        exports: [{ path: EXPORT_PATH, store }],
        transport: choice.transport,
        registry,
        host: listen.host,
        port,
        mountPort,
        scheduler,
        onFault: (e) => io.err(`rdmalab serve: server fault: ${e instanceof Error ? e.message : String(e)}`),
      });
      try {
        let address: Awaited<ReturnType<NfsServer['listen']>>;
        try {
          address = await server.listen();
        } catch (e) {
          const code = (e as { code?: unknown }).code;
          io.err(
            `rdmalab serve: cannot listen on ${formatHostPort(listen.host, port)}: ${String(code ?? '')} ${e instanceof Error ? e.message : String(e)}`.replace(
              /\s+/g,
              ' ',
            ),
          );
          return 1;
        }
        const at = formatHostPort(address.host, address.port);
        io.out(
          `rdmalab serve: NFS v3 and MOUNT v3 over ${choice.transport} listening on ${at}` +
            (address.mountPort !== address.port ? `, MOUNT also on port ${address.mountPort}` : ''),
        );
        io.out(`rdmalab serve: exporting ${what} as "${EXPORT_PATH}"`);

        let unregister: (() => Promise<void>) | undefined;
        if (values['no-rpcbind']) {
          io.out('rdmalab serve: not registering with rpcbind (--no-rpcbind)');
        } else {
          const reg = await registerWithRpcbind(registry, scheduler, {
            nfs: address.port,
            mount: address.mountPort,
          });
          if (reg.registered) {
            unregister = reg.unregister;
            io.out(
              `rdmalab serve: registered with rpcbind on 127.0.0.1:111 (nfs 3 tcp ${address.port}, mountd 3 tcp ${address.mountPort})`,
            );
          } else {
            io.out(
              `rdmalab serve: not registered with rpcbind: ${reg.reason}; clients need --server ${at} --mount-port ${address.mountPort}`,
            );
          }
        }
        io.out(
          `rdmalab serve: mount with: rdmalab nfs --server ${at} --mount-port ${address.mountPort} ls /`,
        );
        io.out('rdmalab serve: serving until Ctrl-C');

        if (!io.signal.aborted) {
          await new Promise<void>((resolve) =>
            io.signal.addEventListener('abort', () => resolve(), { once: true }),
          );
        }
        if (unregister !== undefined) {
          await unregister().then(
            () => io.err('rdmalab serve: unregistered from rpcbind'),
            (e: unknown) =>
              io.err(
                `rdmalab serve: could not unregister from rpcbind: ${e instanceof Error ? e.message : String(e)}`,
              ),
          );
        }
        const c = server.rpc.counters;
        io.err(
          `rdmalab serve: stopped after ${c.replies} replies on ${c.connections} connections (${server.mounts.length} mounts active)`,
        );
        return 0;
      } finally {
        await server.close();
        scheduler.close();
      }
    },
  };
}

export const serveCommand: Command = createServeCommand();
