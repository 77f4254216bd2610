import { isIPv4 } from 'node:net';
import { parseArgs } from 'node:util';
import { PAGE_SIZE, RealScheduler, type Scheduler } from '@rdmalab/kernel';
import { mountNfs, NfsError, type NfsMount } from '@rdmalab/nfs';
import { RPCBIND_PORT, TRANSPORT_REGISTRY } from '@rdmalab/sunrpc';
import { type Command, UsageError } from '../command.js';
import type { CliIo } from '../io.js';
import { formatHostPort, parseHostPort, parsePort } from '../net/address.js';
import { probeTcp } from '../net/probe.js';
import { NFS_OPERATIONS } from '../nfs/operations.js';
import { type ComposeNfsStack, composeNfsStack } from '../stack/compose.js';
import { ConnectionLossLog } from '../stack/connection-loss-log.js';
import { NFS_RDMA_PORT, type RxeRuntime, startRxeHost } from '../stack/rdma-rxe.js';
import { routeSourceFor } from '../stack/route-source.js';
import {
  parseTransportChoice,
  requireCrossProcessBackend,
  requireTransport,
  TransportUnavailableError,
} from '../stack/transport-choice.js';

const SUBCOMMANDS = [...NFS_OPERATIONS].map(([name, spec]) => `  ${name} ${spec.operands}`).join('\n');

const USAGE = `usage: rdmalab nfs --server ADDR[:PORT] [--export PATH] [--mount-port N]
                   [--transport tcp|rdma] [--backend rxe|sim] [--source ADDR] [--timeo N] CMD ARGS

Talks NFSv3 to any NFS server (rdmalab serve, nfs-ganesha, Linux knfsd…): mounts --export through
rpcbind and mountd, runs one command, unmounts. Paths are inside the export ("/" is its root).

${SUBCOMMANDS}

  --server A[:P]   the server; P is the NFS port (default: asked of rpcbind; rdma: ${NFS_RDMA_PORT})
  --export PATH    the export to mount (default "/")
  --mount-port N   mountd's port (default: asked of rpcbind); with --server A:P, no rpcbind is needed
  --transport T    NFS transport: tcp (default) or rdma (MOUNT and rpcbind stay on tcp, as Linux does)
  --backend B      for rdma: rxe (default; RoCEv2 over UDP 4791). sim is refused: the simulated
                   fabric lives inside one process (see rdmalab demo)
  --timeo N        RPC timeout in tenths of a second, as nfs(5)'s timeo= (default 50 over tcp, with
                   one retransmission; 100 over rdma, where a call is sent once per connection)
  --source ADDR    rxe: the local IPv4 address to bind UDP 4791 on (default: the one the kernel
                   routes to the server from); it must differ from the server's on one machine
  -l               ls: long listing (mode, links, uid, gid, size, mtime, name)
  -p               mkdir: make parents as needed, no error if it exists

Exit status: 0 ok, 1 when the server or a local file answered an error (its code, e.g. ENOENT,
is in the message), 2 on bad usage, 130 when interrupted.`;

const MOUNT_TIMEOUT = { initialNs: 5e9, retries: 1, soft: true } as const;
/** nfs(5) timeo= is in deciseconds. */
const NS_PER_DECISECOND = 100_000_000;
/**
 * Over RDMA, one timeout period and no RPC-level retransmission on a live connection: RC either
 * delivers a Call or breaks the connection (and the RPC client retransmits after reconnecting).
 * Linux tears the connection down on an RPC timeout (xprt_rdma_timer) so a retransmission gets
 * fresh chunks; this sunrpc would resend on the same connection, over chunks still registered.
 */
const RDMA_TIMEOUT = { initialNs: 10e9, retries: 0, soft: true } as const;

/** The UDP port RoCEv2 runs on (IANA "roce"; InfiniBand Architecture Annex A17). */
const ROCE_UDP_PORT = 4791;
/** Client page cache over rxe, bytes, and host memory for it plus the transport's buffers, pages. */
const RXE_CACHE_BYTES = 32 << 20;
const RXE_CLIENT_PAGES = RXE_CACHE_BYTES / PAGE_SIZE + 4096;

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * Why the RDMA connection went away, for an error that is not the server's answer (a timeout, a
 * reset): "" when nothing was lost or the server answered with an NFS status.
 */
function lossNote(e: unknown, losses: ConnectionLossLog): string {
  const lost = losses.last;
  if (lost === undefined || (e instanceof NfsError && e.nfsStatus !== undefined)) return '';
  return `; the RDMA connection was lost before: ${lost.message}`;
}

/** `rdmalab nfs` over the stack `compose` builds. */
export function createNfsCommand(compose: ComposeNfsStack = composeNfsStack): Command {
  return {
    name: 'nfs',
    summary: 'NFSv3 client: ls, stat, cat, put, get, mkdir, rm, rmdir, mv on any NFS server',
    usage: USAGE,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const { values, positionals } = parseArgs({
        args: [...args],
        options: {
          server: { type: 'string' },
          export: { type: 'string' },
          'mount-port': { type: 'string' },
          transport: { type: 'string' },
          backend: { type: 'string' },
          source: { type: 'string' },
          timeo: { type: 'string' },
          long: { type: 'boolean', short: 'l' },
          parents: { type: 'boolean', short: 'p' },
        },
        strict: true,
        allowPositionals: true,
      });
      const [name, ...operands] = positionals;
      if (name === undefined)
        throw new UsageError(`a command is needed: one of ${[...NFS_OPERATIONS.keys()].join(', ')}`);
      const spec = NFS_OPERATIONS.get(name);
      if (spec === undefined)
        throw new UsageError(
          `unknown nfs command "${name}"; valid: ${[...NFS_OPERATIONS.keys()].join(', ')}`,
        );
      if (operands.length < spec.min || operands.length > spec.max)
        throw new UsageError(`${name} takes ${spec.operands}, got ${operands.length} operand(s)`);
      if (values.long && name !== 'ls') throw new UsageError('-l applies to ls only');
      if (values.parents && name !== 'mkdir') throw new UsageError('-p applies to mkdir only');
      if (values.server === undefined) throw new UsageError('--server is required');
      const server = parseHostPort('--server', values.server);
      const mountPort =
        values['mount-port'] === undefined ? undefined : parsePort('--mount-port', values['mount-port']);
      let timeoNs: number | undefined;
      if (values.timeo !== undefined) {
        if (!/^\d+$/.test(values.timeo) || Number(values.timeo) < 1 || Number(values.timeo) > 6000)
          throw new UsageError(`--timeo must be 1-6000 tenths of a second, got "${values.timeo}"`);
        timeoNs = Number(values.timeo) * NS_PER_DECISECOND;
      }
      const exportPath = values.export ?? '/';
      if (!exportPath.startsWith('/'))
        throw new UsageError(`--export must be an absolute path, got "${exportPath}"`);
      const choice = parseTransportChoice(values.transport, values.backend, 'rxe');
      try {
        requireCrossProcessBackend(choice);
      } catch (e) {
        if (!(e instanceof TransportUnavailableError)) throw e;
        io.err(`rdmalab nfs: ${e.message}`);
        return 2;
      }
      const rxeBackend = choice.backend === 'rxe';
      if (values.source !== undefined && !rxeBackend)
        throw new UsageError('--source applies to --transport rdma --backend rxe only');
      if (values.source !== undefined && !isIPv4(values.source))
        throw new UsageError(`--source must be an IPv4 address, got "${values.source}"`);
      // NFS/RDMA has a well-known rdma_cm port; rpcbind maps TCP and UDP ports only.
      const nfsPort = server.port ?? (choice.transport === 'rdma' ? NFS_RDMA_PORT : undefined);

      // Say plainly when nothing listens, instead of waiting out the RPC client's reconnects.
      const firstHop =
        nfsPort !== undefined && mountPort !== undefined
          ? { port: mountPort, what: 'mountd' }
          : {
              port: RPCBIND_PORT,
              what: 'rpcbind (to find mountd and nfsd; or give --server ADDR:PORT --mount-port N)',
            };
      const unreachable = await probeTcp(server.host, firstHop.port, 3000);
      if (unreachable !== null) {
        io.err(
          `rdmalab nfs ${name}: ${unreachable}: cannot reach ${firstHop.what} on ${formatHostPort(server.host, firstHop.port)}`,
        );
        return 1;
      }

      let source: string | undefined;
      if (rxeBackend) {
        try {
          source = values.source ?? (await routeSourceFor(server.host, ROCE_UDP_PORT));
        } catch (e) {
          io.err(
            `rdmalab nfs ${name}: ${errorCode(e) ?? 'EHOSTUNREACH'}: no local address routes to ${server.host}: ${e instanceof Error ? e.message : String(e)}`,
          );
          return 1;
        }
      }
      const container = compose(
        source !== undefined ? { rxe: { ip: source, memoryPages: RXE_CLIENT_PAGES } } : {},
      );
      let rxe: RxeRuntime | undefined;
      if (source !== undefined) {
        try {
          rxe = await startRxeHost(container);
        } catch (e) {
          const code = errorCode(e) ?? 'EIO';
          io.err(
            `rdmalab nfs ${name}: ${code}: cannot bind RoCEv2 (UDP ${ROCE_UDP_PORT}) on ${source} (${e instanceof Error ? e.message : String(e)})` +
              (code === 'EADDRINUSE'
                ? '; another rxe user (the server?) has it: pick another local address with --source'
                : ''),
          );
          return 1;
        }
      }
      // Over rxe the stack's scheduler runs the RPC timers too; over TCP the command makes its own.
      let ownScheduler: RealScheduler | undefined;
      let scheduler: Scheduler;
      if (rxe !== undefined) scheduler = rxe.scheduler;
      else scheduler = ownScheduler = new RealScheduler();
      const registry = container.resolve(TRANSPORT_REGISTRY);
      try {
        requireTransport(registry, choice);
      } catch (e) {
        await rxe?.close();
        ownScheduler?.close();
        if (!(e instanceof TransportUnavailableError)) throw e;
        io.err(`rdmalab nfs: ${e.message}`);
        return 2;
      }
      // Remember why RDMA connections drop, to say so if a call then times out.
      const losses = new ConnectionLossLog();
      if (choice.transport === 'rdma') {
        const rdma = registry.get('rdma');
        registry.unregister('rdma');
        registry.register(losses.watch(rdma));
      }
      let mount: NfsMount | undefined;
      let exitCode: number;
      try {
        mount = await mountNfs({
          host: server.host,
          path: exportPath,
          transport: choice.transport,
          mountTransport: 'tcp',
          registry,
          port: nfsPort,
          mountPort,
          scheduler,
          timeout: {
            ...(choice.transport === 'rdma' ? RDMA_TIMEOUT : MOUNT_TIMEOUT),
            ...(timeoNs !== undefined && { initialNs: timeoNs }),
          },
          // The page cache is where READ data is RDMA-Written to and WRITE data RDMA-Read from.
          ...(rxe !== undefined && { memory: rxe.host.memory, cacheBytes: RXE_CACHE_BYTES }),
        });
        if (io.signal.aborted) {
          io.err(`rdmalab nfs ${name}: interrupted after mounting ${exportPath}; nothing done`);
          exitCode = 130;
        } else {
          exitCode = await spec.run({
            mount,
            io,
            operands,
            long: values.long === true,
            parents: values.parents === true,
          });
        }
      } catch (e) {
        if (errorCode(e) === undefined) throw e;
        io.err(`rdmalab nfs ${name}: ${e instanceof Error ? e.message : String(e)}${lossNote(e, losses)}`);
        exitCode = 1;
      } finally {
        if (mount !== undefined) {
          // Unmounting writes back what is still cached: a failure there means data did not arrive.
          await mount.unmount().catch((e: unknown) => {
            io.err(
              `rdmalab nfs: unmount of ${exportPath} failed: ${e instanceof Error ? e.message : String(e)}${lossNote(e, losses)}`,
            );
            exitCode = 1;
          });
        }
        await rxe?.close();
        ownScheduler?.close();
      }
      return exitCode;
    },
  };
}

export const nfsCommand: Command = createNfsCommand();
