// tsyringe reads decorator metadata at import time: the polyfill must load first.
import 'reflect-metadata';
import { RealScheduler, registerKernel, SCHEDULER, type Scheduler } from '@rdmalab/kernel';
import { createRxeHostContainer, RXE_HOST, type RxeHost, registerRxe } from '@rdmalab/rxe';
import { type PresetName, registerXprtrdma } from '@rdmalab/xprtrdma';
import type { DependencyContainer } from 'tsyringe';
import { netdevMtuOf } from './netdev-mtu.js';

/** The rdma_cm port of NFS over RPC-over-RDMA: "nfsrdma", 20049 (IANA, assigned by RFC 5667 §10). */
export const NFS_RDMA_PORT = 20049;

export interface RxeStackOptions {
  /** Local IPv4 address: UDP 4791 is bound on it, rdma_cm listens on or connects from it. */
  readonly ip: string;
  /**
   * Host memory, pages: every buffer the transport registers, plus the page cache (client) or the
   * READ replies and RDMA Read landing pages (server) — the HCA reaches only this memory.
   */
  readonly memoryPages: number;
  /** xprtrdma Send-path policies. Default linux-7.2 (every known bug fixed). */
  readonly policies?: PresetName;
}

/**
 * Add one rxe host to an NFS stack container (which already has sunrpc's transport switch): the
 * kernel on the real clock, the rxe provider, a host child container on `options.ip` (RXE_HOST,
 * CONNECTION_MANAGER, PHYSICAL_MEMORY…), and xprtrdma, which registers the "rdma" transport class
 * bound to that host's rdma_cm into the host's TRANSPORT_REGISTRY. The path MTU comes from the
 * MTU of the device holding the address, by rxe's rule (loopback: 4096; 1500-byte Ethernet: 1024).
 * Returns the host's container; `startRxeHost` it before use.
 */
export function composeRxeHost(
  container: DependencyContainer,
  options: RxeStackOptions,
): DependencyContainer {
  registerKernel(container, { clock: 'real' });
  registerRxe(container);
  const netdevMtu = netdevMtuOf(options.ip);
  const host = createRxeHostContainer(container, `rdmalab@${options.ip}`, {
    ip: options.ip,
    memoryPages: options.memoryPages,
    ...(netdevMtu !== undefined && { netdevMtu }),
  });
  registerXprtrdma(host, { policies: options.policies ?? 'linux-7.2' });
  return host;
}

/** A started rxe host and the real-time scheduler its RPC traffic runs on. */
export interface RxeRuntime {
  readonly host: RxeHost;
  readonly scheduler: Scheduler;
  /** Close the UDP socket and cancel the stack's timers. */
  close(): Promise<void>;
}

/**
 * Bind the host of a container `composeRxeHost` made (UDP 4791 on its address). Rejects with
 * the host's RxeError (EADDRINUSE: another rxe user has 4791 on that address; EADDRNOTAVAIL: the
 * address is not this machine's), after releasing what was set up.
 */
export async function startRxeHost(hostContainer: DependencyContainer): Promise<RxeRuntime> {
  const host = hostContainer.resolve(RXE_HOST);
  const scheduler = hostContainer.resolve<Scheduler>(SCHEDULER);
  // registerKernel({ clock: 'real' }) made it for this stack: its timers end with the host.
  const stopScheduler = () => {
    if (scheduler instanceof RealScheduler) scheduler.close();
  };
  try {
    await host.ready;
  } catch (e) {
    await host.close();
    stopScheduler();
    throw e;
  }
  return {
    host,
    scheduler,
    async close() {
      await host.close();
      stopScheduler();
    },
  };
}
