import { parseArgs } from 'node:util';
import { RealScheduler } from '@rdmalab/kernel';
import {
  IPPROTO_TCP,
  IPPROTO_UDP,
  type PmapMapping,
  RPCBIND_PORT,
  RpcbindClient,
  TRANSPORT_REGISTRY,
} from '@rdmalab/sunrpc';
import type { Command } from '../command.js';
import type { CliIo } from '../io.js';
import { formatHostPort, parseHostPort } from '../net/address.js';
import { probeTcp } from '../net/probe.js';
import { rpcProgramName } from '../net/rpc-program-names.js';
import { formatTable } from '../output/table.js';
import { type ComposeNfsStack, composeNfsStack } from '../stack/compose.js';

const USAGE = `usage: rdmalab rpcinfo [--server ADDR[:PORT]] [--json]

Lists what rpcbind has registered, like "rpcinfo -p": program, version, protocol, port and the
service name of well-known programs. Asks with the portmapper DUMP procedure (RFC 1833 §3.2) over TCP.

  --server A[:P]  rpcbind to ask (default 127.0.0.1:${RPCBIND_PORT})
  --json          print a JSON array of { program, version, protocol, port, service }

Exit status: 0 on an answer, 1 when rpcbind could not be reached, 2 on bad usage.`;

/** One registration as `rdmalab rpcinfo` reports it. */
export interface RpcinfoEntry {
  readonly program: number;
  readonly version: number;
  /** "tcp", "udp", or the protocol number when it is neither. */
  readonly protocol: string;
  readonly port: number;
  /** Well-known name of the program ("" when unknown). */
  readonly service: string;
}

export function rpcinfoEntry(m: PmapMapping): RpcinfoEntry {
  const protocol = m.prot === IPPROTO_TCP ? 'tcp' : m.prot === IPPROTO_UDP ? 'udp' : String(m.prot);
  return { program: m.prog, version: m.vers, protocol, port: m.port, service: rpcProgramName(m.prog) };
}

/** The table `rpcinfo -p` prints. */
export function formatRpcinfo(entries: readonly RpcinfoEntry[]): string {
  return formatTable(
    [
      { header: 'program', align: 'right' },
      { header: 'vers', align: 'right' },
      { header: 'proto', align: 'right' },
      { header: 'port', align: 'right' },
      { header: 'service' },
    ],
    entries.map((e) => [String(e.program), String(e.version), e.protocol, String(e.port), e.service]),
  );
}

export function createRpcinfoCommand(compose: ComposeNfsStack = composeNfsStack): Command {
  return {
    name: 'rpcinfo',
    summary: 'list the programs rpcbind has registered (like rpcinfo -p)',
    usage: USAGE,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const { values } = parseArgs({
        args: [...args],
        options: { server: { type: 'string' }, json: { type: 'boolean' } },
        strict: true,
        allowPositionals: false,
      });
      const server = parseHostPort('--server', values.server ?? '127.0.0.1');
      const port = server.port ?? RPCBIND_PORT;
      const where = formatHostPort(server.host, port);
      const unreachable = await probeTcp(server.host, port, 3000);
      if (unreachable !== null) {
        io.err(`rdmalab rpcinfo: cannot reach rpcbind on ${where}: ${unreachable}`);
        return 1;
      }
      const registry = compose().resolve(TRANSPORT_REGISTRY);
      const scheduler = new RealScheduler();
      const client = new RpcbindClient(registry, {
        host: server.host,
        port,
        scheduler,
        timeout: { initialNs: 3e9, retries: 1 },
      });
      let mappings: PmapMapping[];
      try {
        const aborted = new Promise<'aborted'>((resolve) => {
          if (io.signal.aborted) resolve('aborted');
          io.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
        });
        const answer = await Promise.race([client.dump(), aborted]);
        if (answer === 'aborted') {
          io.err(`rdmalab rpcinfo: interrupted before ${where} answered DUMP`);
          return 130;
        }
        mappings = answer;
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        io.err(
          `rdmalab rpcinfo: DUMP to ${where} failed: ${typeof code === 'string' ? `${code}: ` : ''}${e instanceof Error ? e.message : String(e)}`,
        );
        return 1;
      } finally {
        await client.close();
        scheduler.close();
      }
      const entries = mappings.map(rpcinfoEntry);
      io.out(values.json ? JSON.stringify(entries, null, 2) : formatRpcinfo(entries));
      return 0;
    },
  };
}

export const rpcinfoCommand: Command = createRpcinfoCommand();
