import { randomInt } from 'node:crypto';
import {
  type Counters,
  createRandom,
  PhysicalMemory,
  RealScheduler,
  type Scheduler,
  type Tracer,
} from '@rdmalab/kernel';
import { CmAgent, type CmAgentOptions, IdentityIommu, SoftDevice } from '@rdmalab/roce';
import { type DeviceAttributes, type Mtu, mtuBytes, type VerbsHost } from '@rdmalab/verbs';
import { RxeError } from '../errors.js';
import { UdpLink, type UdpLinkOptions } from '../link/udp-link.js';
import { IoFirstScheduler } from './io-first-scheduler.js';
import { resolvePathMtu } from './path-mtu.js';

/** Host memory by default: 4096 pages = 16 MiB. */
export const DEFAULT_RXE_MEMORY_PAGES = 4096;

export interface RxeHostOptions {
  /** Local IPv4 address to bind UDP 4791 on; the device's GID is ::ffff:ip. */
  ip: string;
  /** Host name (default `rxe@<ip>`). */
  name?: string;
  /** Path MTU in bytes: 256, 512, 1024, 2048 or 4096 (default: from `netdevMtu` by rxe's rule). */
  mtu?: number;
  /** MTU of the network the address is on (default 1500 → IB MTU 1024, as rxe on Ethernet). */
  netdevMtu?: number;
  /** Host memory to register from, or its size in pages (default 4096 = 16 MiB). */
  memory?: PhysicalMemory;
  memoryPages?: number;
  /**
   * A real-time scheduler to share (default: a RealScheduler of the host's own, closed by close()). The
   * host runs the engine on an IoFirstScheduler over it, so timers never overtake arrived datagrams.
   */
  scheduler?: Scheduler;
  /** Device limits beyond rxe's defaults. */
  attrs?: Partial<DeviceAttributes>;
  tracer?: Tracer;
  counters?: Counters;
  /** Seed of the CM's communication IDs, PSNs and ports (default: a random one per host). */
  seed?: number;
  /** CM timing (response timeout exponent, retries, ACK timeout, RNR timer). */
  cm?: Omit<CmAgentOptions, 'scheduler' | 'random' | 'pathMtu'>;
  /** UDP socket settings (buffers, ICRC policy, send batch). */
  link?: Omit<UdpLinkOptions, 'ip' | 'counters'>;
}

/**
 * One rxe host: host memory, a SoftDevice running the shared RC engine in real time over a UDP link
 * on `ip`:4791 (identity IOMMU and per-WQE Send Queue retirement, as Linux rxe), and an rdma_cm that
 * speaks IB CM MADs on QP1 over the same socket. `await host.ready` before connecting; `close()` after.
 */
export class RxeHost implements VerbsHost {
  readonly name: string;
  readonly ip: string;
  readonly memory: PhysicalMemory;
  /** The engine's scheduler: the real one, with expired timers ordered after pending I/O. */
  readonly scheduler: Scheduler;
  readonly link: UdpLink;
  readonly device: SoftDevice;
  readonly devices: readonly SoftDevice[];
  readonly cm: CmAgent;
  readonly pathMtu: Mtu;
  /** Resolves when the UDP socket is bound; rejects with RxeError EADDRINUSE / EADDRNOTAVAIL / EIO. */
  readonly ready: Promise<void>;
  readonly #ownsScheduler: boolean;
  readonly #realScheduler: Scheduler;

  constructor(options: RxeHostOptions) {
    if (options === null || typeof options !== 'object')
      throw new RxeError('EINVAL', 'RxeHost: options are required');
    this.pathMtu = resolvePathMtu(options.mtu, options.netdevMtu);
    this.ip = options.ip;
    this.name = options.name ?? `rxe@${options.ip}`;
    this.memory =
      options.memory ??
      new PhysicalMemory({
        totalPages: options.memoryPages ?? DEFAULT_RXE_MEMORY_PAGES,
        name: `${this.name}.memory`,
      });
    this.#ownsScheduler = options.scheduler === undefined;
    this.#realScheduler = options.scheduler ?? new RealScheduler();
    this.scheduler = new IoFirstScheduler(this.#realScheduler);
    this.link = new UdpLink({
      ...options.link,
      ip: options.ip,
      ...(options.counters && { counters: options.counters }),
    });
    this.ready = this.link.ready;
    this.device = new SoftDevice({
      name: `rxe0@${this.name}`,
      ip: options.ip,
      memory: this.memory,
      scheduler: this.scheduler,
      link: this.link,
      iommu: new IdentityIommu(),
      // rxe's completer retires every WQE as it completes, signaled or not (rxe_comp.c do_complete).
      sqRetirement: 'each',
      ...(options.attrs && { attrs: options.attrs }),
      ...(options.tracer && { tracer: options.tracer }),
      ...(options.counters && { counters: options.counters }),
    });
    this.link.onPacketDone((packet) => this.device.recyclePayload(packet));
    this.devices = [this.device];
    const seed = options.seed ?? randomInt(0, 0x7fffffff);
    this.cm = new CmAgent([this.device], {
      ...options.cm,
      pathMtu: this.pathMtu,
      scheduler: this.scheduler,
      random: createRandom(seed).fork(`cm:${this.name}`),
    });
  }

  /** Path MTU in payload bytes per packet. */
  get mtuBytes(): number {
    return mtuBytes(this.pathMtu);
  }

  /** Close the socket and, if the host made its own scheduler, cancel every timer. Idempotent. */
  async close(): Promise<void> {
    if (this.#ownsScheduler) (this.#realScheduler as RealScheduler).close();
    await this.link.close();
  }
}
