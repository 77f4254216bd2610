import { parseArgs } from 'node:util';
import { RealScheduler, type Scheduler } from '@rdmalab/kernel';
import { DirectoryStore, NFS_PORT, NFS_STORE, NfsServer, type NfsStore } from '@rdmalab/nfs';
import { TRANSPORT_REGISTRY } from '@rdmalab/sunrpc';
import { type Command, UsageError } from '../command.js';
import type { CliIo } from '../io.js';
import { formatHostPort, parseHostPort, parsePort } from '../net/address.js';
import { type ComposeNfsStack, composeNfsStack } from '../stack/compose.js';
import { readHandleSecret } from '../stack/handle-secret.js';
import { NFS_RDMA_PORT, type RxeRuntime, startRxeHost } from '../stack/rdma-rxe.js';
import { registerWithRpcbind } from '../stack/rpcbind-registration.js';
import {
  parseTransportChoice,
  requireCrossProcessBackend,
  requireTransport,
  TransportUnavailableError,
} from '../stack/transport-choice.js';

const USAGE = `usage: rdmalab serve [--transport tcp|rdma] [--backend rxe|sim] [--listen ADDR[:PORT]]
                     [--mount-port N] [--export DIR] [--handle-secret FILE] [--no-rpcbind]

Runs an NFSv3 server (with its MOUNT v3 service) until Ctrl-C. Clients mount "/".

  --transport T    RPC transport: tcp (default) or rdma (NFS over RPC-over-RDMA v1)
  --backend B      for rdma: rxe (default; Soft-RoCE: RoCEv2 over UDP 4791 on the --listen address).
                   sim is refused: the simulated fabric lives inside one process (see rdmalab demo)
  --listen A[:P]   address to listen on (default 127.0.0.1:${NFS_PORT}; tcp port 0 picks a free one).
                   rdma: P is the rdma_cm port, default ${NFS_RDMA_PORT} (nfsrdma)
  --mount-port N   tcp: also serve MOUNT (and NFS) on this port, as mountd does on its own.
                   rdma: serve MOUNT (and NFS) over TCP on this port (default: a free one, printed),
                   because clients mount over TCP even for NFS/RDMA, as Linux mount.nfs does
  --export DIR     export this directory (default: an in-memory file system)
  --handle-secret FILE  key the file handles are sealed with (created with 32 random bytes if
                   missing): a restarted server with the same FILE and --export DIR honours the
                   handles its clients hold (default: a new key per run)
  --no-rpcbind     do not register with the local rpcbind

Registers NFS 3 and MOUNT 3 over TCP with rpcbind on 127.0.0.1:111 when one is running, and
unregisters on exit. Exit status: 0 after Ctrl-C, 1 when the server could not start, 2 on bad usage.`;

/** The export path clients MNT. */
const EXPORT_PATH = '/';

/**
 * Server host memory with --backend rxe, pages (128 MiB): the HCA reaches only host memory, so
 * READ replies (up to 1 MiB each) and the pages WRITE data is RDMA-Read into (1 MiB per call, up
 * to the 32 credits in flight) come from it, with the receive and send buffers.
 */
const RXE_SERVER_PAGES = 32768;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** `rdmalab serve` over the stack `compose` builds (TCP, or NFS over RDMA on an rxe host). */
export function createServeCommand(compose: ComposeNfsStack = composeNfsStack): Command {
  return {
    name: 'serve',
    summary: 'run an NFSv3 server (NFS + MOUNT) over TCP or RDMA (rxe) until Ctrl-C',
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
          'handle-secret': { type: 'string' },
          'no-rpcbind': { type: 'boolean' },
        },
        strict: true,
        allowPositionals: false,
      });
      const choice = parseTransportChoice(values.transport, values.backend, 'rxe');
      try {
        requireCrossProcessBackend(choice);
      } catch (e) {
        if (!(e instanceof TransportUnavailableError)) throw e;
        io.err(`rdmalab serve: ${e.message}`);
        return 2;
      }
      const rdma = choice.transport === 'rdma';
      const defaultPort = rdma ? NFS_RDMA_PORT : NFS_PORT;
      const listen = parseHostPort('--listen', values.listen ?? `127.0.0.1:${defaultPort}`);
      const port = listen.port ?? defaultPort;
      if (rdma && port === 0)
        throw new UsageError('--listen: rdma needs a fixed rdma_cm port (clients cannot ask rpcbind), got 0');
      const mountPort =
        values['mount-port'] === undefined ? undefined : parsePort('--mount-port', values['mount-port']);
      const handleSecret =
        values['handle-secret'] === undefined
          ? undefined
          : await readHandleSecret('--handle-secret', values['handle-secret']);
      let directory: DirectoryStore | undefined;
      if (values.export !== undefined) {
        try {
          directory = await DirectoryStore.open(values.export);
        } catch (e) {
          throw new UsageError(`--export ${values.export}: ${message(e)}`);
        }
      }

      const container = compose({
        // The in-memory export belongs to whoever runs the server, as a directory they exported would.
        memoryStore: { rootUid: process.getuid?.() ?? 0, rootGid: process.getgid?.() ?? 0 },
        ...(choice.backend === 'rxe' && { rxe: { ip: listen.host, memoryPages: RXE_SERVER_PAGES } }),
      });
      let rxe: RxeRuntime | undefined;
      if (choice.backend === 'rxe') {
        try {
          rxe = await startRxeHost(container);
        } catch (e) {
          await directory?.close();
          const code = (e as { code?: unknown }).code;
          io.err(
            `rdmalab serve: cannot start rxe on ${listen.host} (UDP 4791): ${String(code ?? '')} ${message(e)}`.replace(
              /\s+/g,
              ' ',
            ),
          );
          return 1;
        }
      }
      // Over rxe the stack's scheduler runs the RPC timers too; over TCP the command makes its own.
      let ownScheduler: RealScheduler | undefined;
      let scheduler: Scheduler;
      if (rxe !== undefined) scheduler = rxe.scheduler;
      else scheduler = ownScheduler = new RealScheduler();
      try {
        return await serveUntilAborted();
      } finally {
        await rxe?.close();
        ownScheduler?.close();
      }

      async function serveUntilAborted(): Promise<number> {
        const registry = container.resolve(TRANSPORT_REGISTRY);
        try {
          requireTransport(registry, choice);
        } catch (e) {
          if (!(e instanceof TransportUnavailableError)) throw e;
          await directory?.close();
          io.err(`rdmalab serve: ${e.message}`);
          return 2;
        }
        const store: NfsStore = directory ?? container.resolve(NFS_STORE);
        const what = directory !== undefined ? `directory ${directory.root}` : 'an in-memory file system';
        const server = new NfsServer({
          exports: [{ path: EXPORT_PATH, store }],
          transport: choice.transport,
          registry,
          host: listen.host,
          port,
          // Over RDMA the extra port is TCP (below), not a second rdma_cm listener.
          mountPort: rdma ? undefined : mountPort,
          scheduler,
          ...(handleSecret !== undefined && { handleSecret }),
          // READ replies are RDMA-Written from these pages: they must be the host's, which the HCA reaches.
          ...(rxe !== undefined && { replyMemory: rxe.host.memory }),
          onFault: (e) => io.err(`rdmalab serve: server fault: ${message(e)}`),
        });
        try {
          let address: Awaited<ReturnType<NfsServer['listen']>>;
          try {
            address = await server.listen();
            if (rdma) {
              // MOUNT (and NFS) over TCP from the same RPC server: Linux clients MNT over TCP even for proto=rdma.
              const tcp = await server.rpc.listen(
                registry.get('tcp').createServer({ host: listen.host, port: mountPort ?? 0, scheduler }),
              );
              address = { ...address, mountPort: tcp.port };
            }
          } catch (e) {
            const code = (e as { code?: unknown }).code;
            io.err(
              `rdmalab serve: cannot listen on ${formatHostPort(listen.host, port)}: ${String(code ?? '')} ${message(e)}`.replace(
                /\s+/g,
                ' ',
              ),
            );
            return 1;
          }
          const at = formatHostPort(address.host, address.port);
          if (rxe !== undefined) {
            io.out(
              `rdmalab serve: NFS v3 over rdma (rxe: RoCEv2 on UDP ${address.host}:4791, path MTU ${rxe.host.mtuBytes}) listening on ${at}`,
            );
            io.out(
              `rdmalab serve: MOUNT v3 and NFS v3 over tcp on ${formatHostPort(address.host, address.mountPort)} (clients mount over TCP)`,
            );
          } else {
            io.out(
              `rdmalab serve: NFS v3 and MOUNT v3 over tcp listening on ${at}` +
                (address.mountPort !== address.port ? `, MOUNT also on port ${address.mountPort}` : ''),
            );
          }
          io.out(`rdmalab serve: exporting ${what} as "${EXPORT_PATH}"`);

          // rpcbind maps TCP ports only: for rdma, the TCP port serves both programs.
          const tcpPorts = rdma
            ? { nfs: address.mountPort, mount: address.mountPort }
            : { nfs: address.port, mount: address.mountPort };
          let unregister: (() => Promise<void>) | undefined;
          let registered = false;
          if (values['no-rpcbind']) {
            io.out('rdmalab serve: not registering with rpcbind (--no-rpcbind)');
          } else {
            const reg = await registerWithRpcbind(registry, scheduler, tcpPorts);
            if (reg.registered) {
              registered = true;
              unregister = reg.unregister;
              io.out(
                `rdmalab serve: registered with rpcbind on 127.0.0.1:111 (nfs 3 tcp ${tcpPorts.nfs}, mountd 3 tcp ${tcpPorts.mount})`,
              );
            } else {
              io.out(
                `rdmalab serve: not registered with rpcbind: ${reg.reason}; clients need --server ${at} --mount-port ${address.mountPort}`,
              );
            }
          }
          io.out(
            rdma
              ? `rdmalab serve: mount with: rdmalab nfs --transport rdma --backend rxe --server ${at}` +
                  `${registered ? '' : ` --mount-port ${address.mountPort}`} ls /`
              : `rdmalab serve: mount with: rdmalab nfs --server ${at} --mount-port ${address.mountPort} ls /`,
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
              (e: unknown) => io.err(`rdmalab serve: could not unregister from rpcbind: ${message(e)}`),
            );
          }
          const c = server.rpc.counters;
          io.err(
            `rdmalab serve: stopped after ${c.replies} replies on ${c.connections} connections (${server.mounts.length} mounts active)`,
          );
          return 0;
        } finally {
          await server.close();
        }
      }
    },
  };
}

export const serveCommand: Command = createServeCommand();
