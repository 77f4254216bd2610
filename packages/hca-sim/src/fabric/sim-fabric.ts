import {
  Counters,
  createRandom,
  PhysicalMemory,
  type Random,
  type Tracer,
  VirtualScheduler,
} from '@rdmalab/kernel';
import {
  CmAgent,
  type CmAgentOptions,
  type Iommu,
  opcodeInfo as opcodeInfoImport,
  type PacketRoute,
  type RocePacket,
  SoftDevice,
  type TxProvenance,
  udpPayloadLength as udpPayloadLengthImport,
} from '@rdmalab/roce';
import { type DeviceAttributes, type Mtu, mtuFromBytes } from '@rdmalab/verbs';
import { SimError } from '../errors.js';
import { type FaultDecision, FaultInjector, type RuleStats } from '../fault/fault-injector.js';
import type { AckLoss, DmaMapFailure, FaultPlan, FaultRule, Partition } from '../fault/fault-plan.js';
import type { DmaFault } from '../iommu/dma-fault.js';
import { MapFailureInjector } from '../iommu/map-failure-injector.js';
import { PassthroughIommu } from '../iommu/passthrough-iommu.js';
import { StrictIommu } from '../iommu/strict-iommu.js';
import type { TapRecord } from '../tap/tap-record.js';
import { WireTap, type WireTapOptions } from '../tap/wire-tap.js';
import { EgressPort } from './egress-port.js';
import { FabricLink, type PacketSwitch } from './fabric-link.js';
import { DEFAULT_RESOLVED_LINK, type LinkOptions, type ResolvedLink, resolveLink } from './link-options.js';
import { macForIp } from './mac-address.js';
import type { IommuModel, SimHost, SqRetirement } from './sim-host.js';

// Imported values used per packet, bound to module-local names once: under a module runner (vitest,
// where tests and fault sweeps run) every use of an imported binding is a getter call, which costs
// more than the operation and keeps the hot path from being inlined.
const opcodeInfo = opcodeInfoImport;
const udpPayloadLength = udpPayloadLengthImport;

/** Ethernet (14) + IPv4 (20) + UDP (8) around the RoCE transport bytes. */
const ETH_IPV4_UDP_BYTES = 42;
const IPV4_UDP_BYTES = 28;
/** rxe leaves this much of the netdev MTU for headers when it picks the IB MTU (rxe_param.h RXE_MAX_HDR_LENGTH). */
const RXE_MAX_HDR_LENGTH = 80;

export interface SimFabricOptions {
  /** Seeds every random choice in the run: fault probabilities, CM IDs and PSNs (default 1). */
  seed?: number;
  faults?: FaultPlan;
  /** Defaults for every host's link. */
  link?: LinkOptions;
  /** The wire tap (default on: pcap, records and forensics); `false` turns it off entirely. */
  tap?: WireTapOptions | false;
  /** Share a scheduler with the rest of a stack (default: a new VirtualScheduler). */
  scheduler?: VirtualScheduler;
  /** Share a root random stream (default createRandom(seed)). */
  random?: Random;
  tracer?: Tracer;
}

export interface SimHostOptions {
  /** IPv4 address: the device's GID is ::ffff:ip. */
  ip: string;
  /** Default 'strict'. */
  iommu?: IommuModel;
  /** Default 'signaled-only' (mlx5). */
  sqRetirement?: SqRetirement;
  /** Pages of host memory (default 1024 = 4 MiB), or an existing PhysicalMemory. */
  memoryPages?: number;
  memory?: PhysicalMemory;
  attrs?: Partial<DeviceAttributes>;
  link?: LinkOptions;
  /** HCA processing delay per received packet / per transmitted packet, ns (default 0). */
  processingDelay?: { rxNs?: number; txNs?: number };
  /** CM timing (response timeout, retries, ACK timeout...). The path MTU follows the link MTU as rxe's does. */
  cm?: Omit<CmAgentOptions, 'scheduler' | 'random'>;
}

/** What the fabric did with packets, summed over the run. */
export interface FabricStats {
  transmitted: number;
  delivered: number;
  dropped: number;
  partitioned: number;
  delayed: number;
  duplicated: number;
  reordered: number;
  noRoute: number;
  oversize: number;
}

interface HeldPacket {
  readonly dst: SimHost;
  readonly packet: RocePacket;
  readonly route: PacketRoute;
  remaining: number;
  released: boolean;
  readonly timer: { cancel(): boolean };
}

/**
 * A deterministic simulated RoCE fabric in virtual time: hosts with an HCA each (the shared RC
 * engine's SoftDevice behind a strict or passthrough IOMMU model), a switch with per-port
 * serialization, link latency and MTU, a declarative fault plan, and a wire tap that sees every
 * packet. Same seed and plan → the same run, packet for packet.
 */
export class SimFabric implements PacketSwitch {
  readonly scheduler: VirtualScheduler;
  readonly random: Random;
  readonly tap: WireTap | undefined;
  readonly faults: FaultInjector;
  readonly counters = new Counters();
  readonly stats: FabricStats = {
    transmitted: 0,
    delivered: 0,
    dropped: 0,
    partitioned: 0,
    delayed: 0,
    duplicated: 0,
    reordered: 0,
    noRoute: 0,
    oversize: 0,
  };
  readonly #hosts = new Map<string, SimHost>();
  readonly #byIp = new Map<string, SimHost>();
  readonly #held = new Map<string, HeldPacket[]>();
  readonly #link: ResolvedLink;
  readonly #plan: FaultPlan;
  readonly #tracer: Tracer | undefined;
  /** Nobody keeps a packet after the switch is done with it: payload buffers go back to their HCA. */
  readonly #recycle: boolean;

  constructor(options: SimFabricOptions = {}) {
    const seed = options.seed ?? 1;
    if (!Number.isInteger(seed)) throw new SimError('EINVAL', `seed must be an integer, got ${seed}`);
    this.scheduler = options.scheduler ?? new VirtualScheduler();
    this.random = options.random ?? createRandom(seed);
    this.#tracer = options.tracer;
    this.#link = resolveLink('link', options.link, DEFAULT_RESOLVED_LINK);
    const tap = options.tap === false ? undefined : new WireTap(options.tap ?? {});
    this.tap = tap?.active ? tap : undefined;
    this.#recycle = this.tap === undefined || !this.tap.holdsPackets;
    this.faults = new FaultInjector(this.random.fork('faults'), (ref) => this.resolveHost(ref));
    this.#plan = options.faults ?? {};
    for (const rule of this.#plan.rules ?? []) this.faults.addRule(rule);
    for (const loss of this.#plan.ackLoss ?? []) this.faults.addAckLoss(loss);
    for (const partition of this.#plan.partitions ?? []) this.faults.addPartition(partition);
    for (const [i, f] of (this.#plan.dmaMapFailures ?? []).entries()) {
      if (typeof f?.host !== 'string')
        throw new SimError('EINVAL', `faults.dmaMapFailures[${i}].host is required`);
    }
    for (const [i, d] of (this.#plan.processingDelay ?? []).entries()) {
      if (typeof d?.host !== 'string')
        throw new SimError('EINVAL', `faults.processingDelay[${i}].host is required`);
      checkDelay(`faults.processingDelay[${i}].rxNs`, d.rxNs);
      checkDelay(`faults.processingDelay[${i}].txNs`, d.txNs);
    }
  }

  /** Add a host with its HCA, IOMMU model, memory and CM. EEXIST for a taken name or IP. */
  addHost(name: string, options: SimHostOptions): SimHost {
    if (typeof name !== 'string' || name.length === 0)
      throw new SimError('EINVAL', 'addHost: name is required');
    if (this.#hosts.has(name)) throw new SimError('EEXIST', `addHost: a host named "${name}" exists`);
    const mac = macForIp(options?.ip);
    if (this.#byIp.has(options.ip))
      throw new SimError(
        'EEXIST',
        `addHost: ${options.ip} is already host "${this.#byIp.get(options.ip)!.name}"'s`,
      );
    const iommuModel = options.iommu ?? 'strict';
    if (iommuModel !== 'strict' && iommuModel !== 'passthrough') {
      throw new SimError(
        'EINVAL',
        `addHost(${name}): iommu must be 'strict' or 'passthrough', got "${String(iommuModel)}"`,
      );
    }
    const sqRetirement = options.sqRetirement ?? 'signaled-only';
    if (sqRetirement !== 'signaled-only' && sqRetirement !== 'each') {
      throw new SimError(
        'EINVAL',
        `addHost(${name}): sqRetirement must be 'signaled-only' or 'each', got "${String(sqRetirement)}"`,
      );
    }
    const linkParams = resolveLink(`addHost(${name}).link`, options.link, this.#link);
    const memory =
      options.memory ??
      new PhysicalMemory({ totalPages: options.memoryPages ?? 1024, name: `${name}.memory` });
    const hostRandom = this.random.fork(`host:${name}`);
    const mapFailures = new MapFailureInjector(this.scheduler, hostRandom.fork('dma-map'));
    for (const [i, rule] of (this.#plan.dmaMapFailures ?? []).entries()) {
      if (rule.host === name || rule.host === options.ip)
        mapFailures.add(rule, `faults.dmaMapFailures[${i}]`);
    }
    const onFault = (fault: DmaFault): void => {
      this.tap?.recordDmaFault({ ...fault, timeNs: this.scheduler.now(), host: name });
      this.counters.counter(fault.faulted ? 'dma.faults' : 'dma.stale_access').inc();
    };
    const iommu: Iommu =
      iommuModel === 'strict'
        ? new StrictIommu({ failures: mapFailures, onFault })
        : new PassthroughIommu({ failures: mapFailures, onStaleAccess: onFault, memory });
    const processingDelay = {
      rxNs: options.processingDelay?.rxNs ?? 0,
      txNs: options.processingDelay?.txNs ?? 0,
    };
    checkDelay(`addHost(${name}).processingDelay.rxNs`, processingDelay.rxNs);
    checkDelay(`addHost(${name}).processingDelay.txNs`, processingDelay.txNs);
    for (const d of this.#plan.processingDelay ?? []) {
      if (d.host === name || d.host === options.ip) {
        if (d.rxNs !== undefined) processingDelay.rxNs = d.rxNs;
        if (d.txNs !== undefined) processingDelay.txNs = d.txNs;
      }
    }
    const link = new FabricLink(name, this);
    const device = new SoftDevice({
      name: `sim0@${name}`,
      ip: options.ip,
      memory,
      scheduler: this.scheduler,
      link,
      iommu,
      sqRetirement,
      ...(options.attrs && { attrs: options.attrs }),
      ...(this.#tracer && { tracer: this.#tracer }),
      processingDelayNs: (kind) => (kind === 'rx' ? processingDelay.rxNs : processingDelay.txNs),
    });
    const cm = new CmAgent([device], {
      pathMtu: pathMtuFor(linkParams.mtu),
      ...options.cm,
      scheduler: this.scheduler,
      random: hostRandom.fork('cm'),
    });
    const host: SimHost = {
      name,
      ip: options.ip,
      mac,
      memory,
      iommuModel,
      iommu,
      sqRetirement,
      device,
      devices: [device],
      cm,
      mapFailures,
      processingDelay,
      link,
      linkParams,
      uplink: new EgressPort(),
      downlink: new EgressPort(),
    };
    this.#hosts.set(name, host);
    this.#byIp.set(options.ip, host);
    return host;
  }

  /** The host named `name` (or with IP `name`); ENOENT naming the known ones. */
  host(name: string): SimHost {
    const host = this.#hosts.get(name) ?? this.#byIp.get(name);
    if (!host) {
      throw new SimError(
        'ENOENT',
        `no host "${name}" (hosts: ${[...this.#hosts.keys()].join(', ') || 'none'})`,
      );
    }
    return host;
  }

  get hosts(): readonly SimHost[] {
    return [...this.#hosts.values()];
  }

  // ---- fault plan at run time ----

  addRule(rule: FaultRule): () => void {
    return this.faults.addRule(rule);
  }

  addAckLoss(loss: AckLoss): () => void {
    return this.faults.addAckLoss(loss);
  }

  addPartition(partition: Partition): () => void {
    return this.faults.addPartition(partition);
  }

  addDmaMapFailure(failure: DmaMapFailure): void {
    this.host(failure.host).mapFailures.add(failure);
  }

  ruleStats(): RuleStats[] {
    return this.faults.stats();
  }

  /** ENOENT if the fault plan names hosts that do not exist. The run helpers call it. */
  checkFaultPlan(): void {
    const missing = this.faults.unresolvedHosts();
    for (const f of [...(this.#plan.dmaMapFailures ?? []), ...(this.#plan.processingDelay ?? [])]) {
      if (!this.#hosts.has(f.host) && !this.#byIp.has(f.host)) missing.push(f.host);
    }
    if (missing.length > 0) {
      throw new SimError(
        'ENOENT',
        `the fault plan names unknown host(s): ${[...new Set(missing)].join(', ')}`,
      );
    }
  }

  // ---- running ----

  /** Run until nothing is scheduled; returns the events dispatched. */
  run(maxEvents?: number): number {
    this.checkFaultPlan();
    return this.scheduler.runUntilIdle(maxEvents);
  }

  runFor(durationNs: number): number {
    this.checkFaultPlan();
    return this.scheduler.runFor(durationNs);
  }

  runUntil(timeNs: number): number {
    this.checkFaultPlan();
    return this.scheduler.runUntil(timeNs);
  }

  /**
   * Let virtual time pass until `predicate()` holds, draining microtasks between events so promise-based
   * code interleaves deterministically. Stops at `timeoutNs` of virtual time (default 60 s) or when
   * nothing is left to run; resolves whether the predicate held.
   */
  async settle(predicate: () => boolean, options: { timeoutNs?: number } = {}): Promise<boolean> {
    this.checkFaultPlan();
    const deadline = this.scheduler.now() + (options.timeoutNs ?? 60_000_000_000);
    await drainMicrotasks();
    while (!predicate()) {
      const next = this.scheduler.nextDeadline();
      if (next === undefined || next > deadline) {
        if (next !== undefined) this.scheduler.runUntil(deadline);
        return predicate();
      }
      this.scheduler.step();
      await drainMicrotasks();
    }
    return true;
  }

  /** The tap's capture as a pcap file. ENOENT when the tap is off. */
  pcap(): Uint8Array {
    if (!this.tap) throw new SimError('ENOENT', 'the wire tap is off (tap: false), there is no capture');
    return this.tap.pcap();
  }

  // ---- the switch ----

  forward(from: string, packet: RocePacket, route: PacketRoute, provenance: TxProvenance | undefined): void {
    const now = this.scheduler.now();
    const src = this.#hosts.get(from)!;
    const dst = this.#byIp.get(route.dstIp);
    const stats = this.stats;
    stats.transmitted++;
    const record = this.tap?.capture(from, dst?.name, packet, route, provenance, now);
    if (!dst) {
      stats.noRoute++;
      setFate(record, 'no-route');
      this.discard(src, packet);
      return;
    }
    const ipBytes = IPV4_UDP_BYTES + transportBytes(packet);
    if (ipBytes > src.linkParams.mtu || ipBytes > dst.linkParams.mtu) {
      stats.oversize++;
      setFate(record, 'oversize');
      this.discard(src, packet);
      return;
    }
    if (this.faults.hasPartitions && this.faults.partitioned(route.srcIp, route.dstIp, now)) {
      stats.partitioned++;
      setFate(record, 'partitioned');
      this.discard(src, packet);
      return;
    }
    const decision: FaultDecision = this.faults.hasRules ? this.faults.decide(packet, route, now) : PASS;
    if (decision.kind === 'drop') {
      stats.dropped++;
      setFate(record, 'dropped', decision.rule);
      this.discard(src, packet);
      return;
    }
    const frameBytes = ipBytes + ETH_IPV4_UDP_BYTES - IPV4_UDP_BYTES;
    const atSwitch =
      src.uplink.serialize(now, frameBytes, src.linkParams.nsPerByte) + src.linkParams.latencyNs;
    let arrive =
      dst.downlink.serialize(atSwitch, frameBytes, dst.linkParams.nsPerByte) + dst.linkParams.latencyNs;
    switch (decision.kind) {
      case 'delay':
        stats.delayed++;
        setFate(record, 'delayed', decision.rule);
        arrive += decision.ns;
        break;
      case 'reorder': {
        stats.reordered++;
        setFate(record, 'reordered', decision.rule);
        this.hold(`${from}>${dst.name}`, dst, packet, route, decision.after, decision.maxHoldNs);
        return;
      }
      case 'duplicate':
        stats.duplicated++;
        setFate(record, 'duplicated', decision.rule);
        for (let k = 1; k <= decision.copies; k++)
          this.deliverAt(arrive + k * decision.gapNs, dst, packet, route);
        break;
      default:
        break;
    }
    // Delivered exactly once (not duplicated, not held): its buffer can be recycled after delivery.
    if (this.#recycle && decision.kind !== 'duplicate') this.deliverOnce(arrive, src, dst, packet, route);
    else this.deliverAt(arrive, dst, packet, route);
    // Reordering is rare: the direction key is only built while some packet is held back.
    if (this.#held.size > 0) this.releaseHeld(`${from}>${dst.name}`, arrive);
  }

  private deliverAt(atNs: number, dst: SimHost, packet: RocePacket, route: PacketRoute): void {
    this.scheduler.setTimerAt(Math.max(atNs, this.scheduler.now()), () =>
      this.deliverNow(dst, packet, route),
    );
  }

  private deliverOnce(
    atNs: number,
    src: SimHost,
    dst: SimHost,
    packet: RocePacket,
    route: PacketRoute,
  ): void {
    this.scheduler.setTimerAt(Math.max(atNs, this.scheduler.now()), () => {
      // The HCA processes an arriving packet on the spot unless it has a receive processing delay
      // (then its own timer still holds the packet): mirrors SoftDevice's receive.
      const processedNow = !(dst.processingDelay.rxNs > 0);
      this.deliverNow(dst, packet, route);
      if (processedNow) src.device.recyclePayload(packet);
    });
  }

  /** A packet the network will never deliver: its buffer can carry a later one. */
  private discard(src: SimHost, packet: RocePacket): void {
    if (this.#recycle) src.device.recyclePayload(packet);
  }

  private deliverNow(dst: SimHost, packet: RocePacket, route: PacketRoute): void {
    if (!dst.link.deliver(packet, route)) return;
    this.stats.delivered++;
    this.tap?.delivered(packet, route);
  }

  private hold(
    direction: string,
    dst: SimHost,
    packet: RocePacket,
    route: PacketRoute,
    after: number,
    maxHoldNs: number,
  ): void {
    let queue = this.#held.get(direction);
    if (!queue) {
      queue = [];
      this.#held.set(direction, queue);
    }
    const held: HeldPacket = {
      dst,
      packet,
      route,
      remaining: after,
      released: false,
      timer: this.scheduler.setTimer(maxHoldNs, () => {
        if (held.released) return;
        held.released = true;
        this.unhold(direction, held);
        this.deliverNow(dst, packet, route);
      }),
    };
    queue.push(held);
  }

  private releaseHeld(direction: string, arriveNs: number): void {
    const queue = this.#held.get(direction);
    if (!queue) return;
    for (const held of [...queue]) {
      if (--held.remaining > 0) continue;
      held.released = true;
      held.timer.cancel();
      this.unhold(direction, held);
      // Scheduled after the packet that released it, at the same instant: it arrives right behind.
      this.deliverAt(arriveNs, held.dst, held.packet, held.route);
    }
  }

  private unhold(direction: string, held: HeldPacket): void {
    const queue = this.#held.get(direction);
    if (!queue) return;
    const at = queue.indexOf(held);
    if (at >= 0) queue.splice(at, 1);
    if (queue.length === 0) this.#held.delete(direction);
  }

  private resolveHost(ref: string): string | undefined {
    const byName = this.#hosts.get(ref);
    if (byName) return byName.ip;
    return /^\d{1,3}(\.\d{1,3}){3}$/.test(ref) ? ref : undefined;
  }
}

const PASS: FaultDecision = { kind: 'pass' };

function setFate(record: TapRecord | undefined, fate: TapRecord['fate'], rule?: string): void {
  if (!record) return;
  record.fate = fate;
  if (rule !== undefined) record.rule = rule;
}

/** BTH..ICRC length without encoding: headers from the opcode table, payload padded to 4, 4-byte ICRC. */
function transportBytes(packet: RocePacket): number {
  const info = opcodeInfo(packet.bth.opcode);
  if (!info) return udpPayloadLength(packet);
  return info.headerBytes + ((packet.payload.length + 3) & ~3) + 4;
}

/** rxe's rule: the IB MTU is the largest that fits in the netdev MTU minus 80 bytes of headers. */
function pathMtuFor(linkMtu: number): Mtu {
  for (let bytes = 4096; bytes >= 256; bytes /= 2) {
    if (bytes <= linkMtu - RXE_MAX_HDR_LENGTH) return mtuFromBytes(bytes)!;
  }
  return mtuFromBytes(256)!;
}

function checkDelay(field: string, ns: number | undefined): void {
  if (ns !== undefined && (!Number.isFinite(ns) || ns < 0)) {
    throw new SimError('EINVAL', `${field} must be a non-negative number of ns, got ${ns}`);
  }
}

function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
