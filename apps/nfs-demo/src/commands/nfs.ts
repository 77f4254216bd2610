import { parseArgs } from 'node:util';
import { RealScheduler } from '@rdmalab/kernel';
import { mountNfs, type NfsMount } from '@rdmalab/nfs';
import { RPCBIND_PORT, TRANSPORT_REGISTRY } from '@rdmalab/sunrpc';
import { type Command, UsageError } from '../command.js';
import type { CliIo } from '../io.js';
import { formatHostPort, parseHostPort, parsePort } from '../net/address.js';
import { probeTcp } from '../net/probe.js';
import { NFS_OPERATIONS } from '../nfs/operations.js';
import { type ComposeNfsStack, composeNfsStack } from '../stack/compose.js';
import {
  parseTransportChoice,
  requireTransport,
  TransportUnavailableError,
} from '../stack/transport-choice.js';

const SUBCOMMANDS = [...NFS_OPERATIONS].map(([name, spec]) => `  ${name} ${spec.operands}`).join('\n');

const USAGE = `usage: rdmalab nfs --server ADDR[:PORT] [--export PATH] [--mount-port N]
                   [--transport tcp|rdma] [--backend sim|rxe] CMD ARGS

Talks NFSv3 to any NFS server (rdmalab serve, nfs-ganesha, Linux knfsd…): mounts --export through
rpcbind and mountd, runs one command, unmounts. Paths are inside the export ("/" is its root).

${SUBCOMMANDS}

  --server A[:P]   the server; P is the NFS port (default: asked of rpcbind)
  --export PATH    the export to mount (default "/")
  --mount-port N   mountd's port (default: asked of rpcbind); with --server A:P, no rpcbind is needed
  --transport T    NFS transport: tcp (default) or rdma (MOUNT and rpcbind stay on tcp)
  --backend B      for rdma: sim or rxe
  -l               ls: long listing (mode, links, uid, gid, size, mtime, name)
  -p               mkdir: make parents as needed, no error if it exists

Exit status: 0 ok, 1 when the server or a local file answered an error (its code, e.g. ENOENT,
is in the message), 2 on bad usage, 130 when interrupted.`;

const MOUNT_TIMEOUT = { initialNs: 5e9, retries: 1, soft: true } as const;

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
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
      const exportPath = values.export ?? '/';
      if (!exportPath.startsWith('/'))
        throw new UsageError(`--export must be an absolute path, got "${exportPath}"`);
      const choice = parseTransportChoice(values.transport, values.backend);

      const registry = compose().resolve(TRANSPORT_REGISTRY);
      try {
        requireTransport(registry, choice);
      } catch (e) {
        if (!(e instanceof TransportUnavailableError)) throw e;
        io.err(`rdmalab nfs: ${e.message}`);
        return 2;
      }
      // Say plainly when nothing listens, instead of waiting out the RPC client's reconnects.
      const firstHop =
        server.port !== undefined && mountPort !== undefined
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

      const scheduler = new RealScheduler();
      let mount: NfsMount | undefined;
      let exitCode: number;
      try {
        mount = await mountNfs({
          host: server.host,
          path: exportPath,
          transport: choice.transport,
          mountTransport: 'tcp',
          registry,
          port: server.port,
          mountPort,
          scheduler,
          timeout: MOUNT_TIMEOUT,
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
        io.err(`rdmalab nfs ${name}: ${e instanceof Error ? e.message : String(e)}`);
        exitCode = 1;
      } finally {
        if (mount !== undefined) {
          // Unmounting writes back what is still cached: a failure there means data did not arrive.
          await mount.unmount().catch((e: unknown) => {
            io.err(
              `rdmalab nfs: unmount of ${exportPath} failed: ${e instanceof Error ? e.message : String(e)}`,
            );
            exitCode = 1;
          });
        }
        scheduler.close();
      }
      return exitCode;
    },
  };
}

export const nfsCommand: Command = createNfsCommand();
