import type { Counters, Page, PhysicalMemory, Scheduler, Tracer } from '@rdmalab/kernel';
import {
  type AsyncEvent,
  AsyncEventType,
  type CompletionQueue,
  type CreateCqOptions,
  type CreateQpOptions,
  type Device,
  type DeviceAttributes,
  type DmaOps,
  type ProtectionDomain,
  type QueuePair,
  VerbsError,
} from '@rdmalab/verbs';
import { EngineStats } from '../engine/engine-stats.js';
import { PayloadPool } from '../engine/payload-pool.js';
import type { PacketLink, PacketRoute } from '../link/packet-link.js';
import { GSI_QPN as GSI_QPNImport } from '../wire/constants.js';
import type { RocePacket } from '../wire/packet.js';
import { type CqHost, SoftCompletionQueue } from './completion-queue.js';
import { SOFT_DEVICE_DEFAULT_ATTRS } from './device-attributes.js';
import { SoftDmaOps } from './dma-ops.js';
import type { Iommu } from './iommu.js';
import { MrTable } from './mr-table.js';
import { type PdHost, SoftProtectionDomain } from './protection-domain.js';
import type { QpMemory } from './qp-memory.js';
import { type QpHost, SoftQueuePair } from './queue-pair.js';
import type { SqRetirement } from './send-queue-retirement.js';

// Imported values used per packet, bound to module-local names once: under a module runner (vitest,
// where tests and fault sweeps run) every use of an imported binding is a getter call, which costs
// more than the operation and keeps the hot path from being inlined.
const GSI_QPN = GSI_QPNImport;

/** First QP number handed out; rxe starts at 17 (RXE_MIN_QP_INDEX 16 + 1) and so do we. */
const FIRST_QPN = 17;
/** QP numbers are 24 bits (IBA 9.2 BTH DestQP). */
const MAX_QPN = 0xffffff;

export interface SoftDeviceOptions {
  /** e.g. 'sim0@host-a'. */
  name: string;
  /** The device's IPv4 GID (::ffff:ip). */
  ip: string;
  /** Host memory (kernel). */
  memory: PhysicalMemory;
  /** Virtual (sim) or real (rxe). */
  scheduler: Scheduler;
  link: PacketLink;
  iommu: Iommu;
  sqRetirement: SqRetirement;
  attrs?: Partial<DeviceAttributes>;
  tracer?: Tracer;
  counters?: Counters;
  /** Extra time the HCA takes to process each received packet / each WQE (fault plan hook). */
  processingDelayNs?: (kind: 'rx' | 'tx') => number;
}

/**
 * A verbs Device implemented in software over the RC engine: generic over the packet link, the
 * scheduler and the IOMMU, so the simulated HCA and the rxe UDP backend behave identically.
 */
export class SoftDevice implements Device, CqHost, PdHost, QpHost {
  readonly name: string;
  readonly ip: string;
  readonly attrs: DeviceAttributes;
  readonly memory: PhysicalMemory;
  readonly dma: DmaOps;
  readonly scheduler: Scheduler;
  readonly link: PacketLink;
  readonly iommu: Iommu;
  readonly sqRetirement: SqRetirement;
  readonly stats: EngineStats;
  readonly table: MrTable;
  /** @internal Outgoing payload buffers of every QP of this device. */
  readonly payloads = new PayloadPool();
  private readonly qps = new Map<number, { qp: SoftQueuePair; pd: SoftProtectionDomain }>();
  private readonly asyncHandlers: ((event: AsyncEvent) => void)[] = [];
  private readonly processingDelayNs: ((kind: 'rx' | 'tx') => number) | undefined;
  private gsiHandler: ((packet: RocePacket, route: PacketRoute) => void) | undefined;
  private nextQpn = FIRST_QPN;
  private nextPdId = 1;
  private cqCount = 0;

  constructor(options: SoftDeviceOptions) {
    if (typeof options.name !== 'string' || options.name.length === 0)
      throw new VerbsError('EINVAL', 'SoftDevice: name is empty');
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(options.ip))
      throw new VerbsError('EINVAL', `SoftDevice: ip "${options.ip}" is not an IPv4 address`);
    if (options.sqRetirement !== 'each' && options.sqRetirement !== 'signaled-only') {
      throw new VerbsError(
        'EINVAL',
        `SoftDevice: sqRetirement ${String(options.sqRetirement)} must be 'each' or 'signaled-only'`,
      );
    }
    this.name = options.name;
    this.ip = options.ip;
    this.attrs = Object.freeze({ ...SOFT_DEVICE_DEFAULT_ATTRS, ...options.attrs });
    this.memory = options.memory;
    this.scheduler = options.scheduler;
    this.link = options.link;
    this.iommu = options.iommu;
    this.sqRetirement = options.sqRetirement;
    this.processingDelayNs = options.processingDelayNs;
    this.stats = new EngineStats(options.tracer, options.counters);
    this.table = new MrTable(this.attrs.maxMr);
    this.dma = new SoftDmaOps(this.iommu, this.memory);
    this.link.attach((packet, route) => this.receive(packet, route));
  }

  /** The device's counters (see ENGINE_COUNTERS for the names). */
  get counters(): Counters {
    return this.stats.counters;
  }

  // ---- Device

  allocPd(): ProtectionDomain {
    return new SoftProtectionDomain(this, this.nextPdId++);
  }

  createCq(options: CreateCqOptions): CompletionQueue {
    if (this.cqCount >= this.attrs.maxCq)
      throw new VerbsError('ENOMEM', `createCq: maxCq ${this.attrs.maxCq} reached`);
    const cq = new SoftCompletionQueue(this, options, this.attrs.maxCqe);
    this.cqCount++;
    return cq;
  }

  onAsyncEvent(handler: (event: AsyncEvent) => void): () => void {
    this.asyncHandlers.push(handler);
    return () => {
      const i = this.asyncHandlers.indexOf(handler);
      if (i >= 0) this.asyncHandlers.splice(i, 1);
    };
  }

  // ---- backend-facing API (CM agent, fabric)

  /** GSI (QP1) path for the CM agent: packets with destQp 1 are handed here instead of to a QP. */
  setGsiHandler(handler: (packet: RocePacket, route: PacketRoute) => void): void {
    this.gsiHandler = handler;
  }

  sendGsi(packet: RocePacket, route: PacketRoute): void {
    this.stats.txPackets.inc();
    this.link.transmit(packet, route);
  }

  /**
   * Backend-facing: the network is done with `packet`, which this device transmitted — it was delivered
   * once and processed, or dropped, and no reference to it is kept anywhere — so its payload buffer may
   * carry a later transmission (which gathers into it afresh). Optional: a link that never calls it
   * gets a fresh buffer for every packet. Payloads this device did not hand out are ignored.
   */
  recyclePayload(packet: RocePacket): void {
    if (packet.payload.length > 0) this.payloads.recycle(packet.payload);
  }

  /** Look up a QP by number (the CM agent drives its state transitions). */
  qpByNum(qpn: number): QueuePair | undefined {
    return this.qps.get(qpn)?.qp;
  }

  private receive(packet: RocePacket, route: PacketRoute): void {
    const delay = this.processingDelayNs?.('rx') ?? 0;
    if (delay > 0) this.scheduler.setTimer(delay, () => this.dispatch(packet, route), 'roce.rx_processing');
    else this.dispatch(packet, route);
  }

  private dispatch(packet: RocePacket, route: PacketRoute): void {
    this.stats.rxPackets.inc();
    const destQp = packet.bth.destQp;
    if (destQp === GSI_QPN) {
      if (this.gsiHandler !== undefined) this.gsiHandler(packet, route);
      else this.stats.droppedBadPackets.inc();
      return;
    }
    const entry = this.qps.get(destQp);
    if (entry === undefined) {
      this.stats.droppedBadPackets.inc();
      return;
    }
    entry.qp.receive(packet);
  }

  // ---- hosts for CQs, PDs and QPs

  get hostMemory(): PhysicalMemory {
    return this.memory;
  }
  get qpHost(): QpHost {
    return this;
  }
  get maxMsgSize(): number {
    return this.attrs.maxMsgSize;
  }
  get maxQpRdAtom(): number {
    return this.attrs.maxQpRdAtom;
  }
  get maxQpInitRdAtom(): number {
    return this.attrs.maxQpInitRdAtom;
  }
  get maxFastRegPageListLen(): number {
    return this.attrs.maxFastRegPageListLen;
  }

  txDelayNs(): number {
    return this.processingDelayNs?.('tx') ?? 0;
  }

  checkPage(page: Page, field: string): void {
    if (page === null || typeof page !== 'object' || this.memory.pageAt(page.phys) !== page) {
      throw new VerbsError('EINVAL', `${field} is not a page of ${this.memory.name}`);
    }
    if (!page.allocated)
      throw new VerbsError('EINVAL', `${field} (pfn ${page.pfn}) is free; register allocated pages only`);
  }

  cqOverflow(cq: SoftCompletionQueue): void {
    this.raise({
      type: AsyncEventType.CQ_ERR,
      detail: `CQ ${cq.label ?? ''} overflowed its capacity ${cq.capacity}`,
    });
  }

  qpAsyncEvent(qp: SoftQueuePair, type: AsyncEventType): void {
    this.raise({ type, qpNum: qp.qpNum });
  }

  cqDestroyed(): void {
    this.cqCount--;
  }

  pdDeallocated(): void {}

  createQp(pd: SoftProtectionDomain, options: CreateQpOptions, memory: QpMemory): SoftQueuePair {
    if (options.type !== 'RC')
      throw new VerbsError('EINVAL', `createQp: type ${String(options.type)} is not supported (RC only)`);
    const a = this.attrs;
    const cap = options.cap;
    const checks: [keyof typeof cap, number, number][] = [
      ['maxSendWr', 1, a.maxQpWr],
      ['maxRecvWr', 0, a.maxQpWr],
      ['maxSendSge', 0, a.maxSendSge],
      ['maxRecvSge', 0, a.maxRecvSge],
      ['maxInlineData', 0, a.maxInlineData],
    ];
    for (const [field, lo, hi] of checks) {
      const v = cap?.[field];
      if (!Number.isInteger(v) || v! < lo || v! > hi)
        throw new VerbsError('EINVAL', `createQp: cap.${field}=${String(v)} must be ${lo}..${hi}`);
    }
    if (this.qps.size >= a.maxQp) throw new VerbsError('ENOMEM', `createQp: maxQp ${a.maxQp} reached`);
    let qpn = this.nextQpn;
    while (this.qps.has(qpn)) qpn = qpn >= MAX_QPN ? FIRST_QPN : qpn + 1;
    this.nextQpn = qpn >= MAX_QPN ? FIRST_QPN : qpn + 1;
    const qp = new SoftQueuePair(
      this,
      qpn,
      options as CreateQpOptions & { sendCq: SoftCompletionQueue; recvCq: SoftCompletionQueue },
      memory,
    );
    qp.sendCq.users++;
    qp.recvCq.users++;
    this.qps.set(qpn, { qp, pd });
    return qp;
  }

  qpDestroyed(qp: SoftQueuePair): void {
    const entry = this.qps.get(qp.qpNum);
    if (entry === undefined) return;
    this.qps.delete(qp.qpNum);
    entry.pd.qpDestroyed();
  }

  private raise(event: AsyncEvent): void {
    for (const handler of [...this.asyncHandlers]) {
      this.scheduler.setTimer(0, () => handler(event), 'roce.async_event');
    }
  }
}
