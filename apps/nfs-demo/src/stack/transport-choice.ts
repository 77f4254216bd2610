import type { TransportRegistry } from '@rdmalab/sunrpc';
import { UsageError } from '../command.js';

/** RPC transports the CLI can name (`--transport`). */
export const TRANSPORT_NAMES = ['tcp', 'rdma'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];

/** Where RDMA runs (`--backend`): the simulated fabric or Soft-RoCE over real UDP. */
export const RDMA_BACKENDS = ['sim', 'rxe'] as const;
export type RdmaBackend = (typeof RDMA_BACKENDS)[number];

export interface TransportChoice {
  readonly transport: TransportName;
  /** Set only for "rdma" (default: the caller's, "sim" unless it says otherwise). */
  readonly backend: RdmaBackend | undefined;
}

/** The transport named on the command line could not be set up in this build. */
export class TransportUnavailableError extends Error {
  override readonly name = 'TransportUnavailableError';
  readonly code = 'EPROTONOSUPPORT';
}

/**
 * Check `--transport` and `--backend` (UsageError for a value outside the lists). `defaultBackend`
 * is what `--transport rdma` alone means: "rxe" for commands that talk between processes.
 */
export function parseTransportChoice(
  transport: string | undefined,
  backend: string | undefined,
  defaultBackend: RdmaBackend = 'sim',
): TransportChoice {
  const name = transport ?? 'tcp';
  if (!(TRANSPORT_NAMES as readonly string[]).includes(name))
    throw new UsageError(`--transport must be one of ${TRANSPORT_NAMES.join(', ')}, got "${name}"`);
  if (name === 'tcp') {
    if (backend !== undefined)
      throw new UsageError(`--backend applies to --transport rdma only (got --backend ${backend} with tcp)`);
    return { transport: 'tcp', backend: undefined };
  }
  const b = backend ?? defaultBackend;
  if (!(RDMA_BACKENDS as readonly string[]).includes(b))
    throw new UsageError(`--backend must be one of ${RDMA_BACKENDS.join(', ')}, got "${b}"`);
  return { transport: 'rdma', backend: b as RdmaBackend };
}

/**
 * Refuse `--backend sim` where a server and a client run in separate processes: the simulated
 * fabric runs in virtual time with both hosts inside one process's stack.
 */
export function requireCrossProcessBackend(choice: TransportChoice): void {
  if (choice.transport === 'rdma' && choice.backend === 'sim') {
    throw new TransportUnavailableError(
      '--backend sim: the simulated RoCE fabric lives inside one process (virtual time, both hosts in ' +
        'one stack), so a server and a client in separate processes cannot share it. Run NFS over ' +
        'simulated RDMA with `rdmalab demo` or `rdmalab scenario run NAME`; between processes use ' +
        '--backend rxe (RoCEv2 over real UDP 4791).',
    );
  }
}

/**
 * Make sure the chosen transport can carry traffic between processes and its class is registered
 * in the stack's transport switch; if not, say what is missing instead of failing deep inside a
 * connect.
 */
export function requireTransport(registry: TransportRegistry, choice: TransportChoice): void {
  requireCrossProcessBackend(choice);
  if (registry.has(choice.transport)) return;
  const registered = registry
    .list()
    .map((c) => c.name)
    .join(', ');
  if (choice.transport === 'rdma') {
    throw new TransportUnavailableError(
      `--transport rdma is not available: no RPC-over-RDMA transport class ("rdma", @rdmalab/xprtrdma) ` +
        `is registered in this stack's transport switch, so the ${choice.backend} backend cannot be used ` +
        `(registered: ${registered || 'none'}). Use --transport tcp.`,
    );
  }
  throw new TransportUnavailableError(
    `--transport ${choice.transport} is not registered in the transport switch (registered: ${registered || 'none'})`,
  );
}
