import type { Random, Scheduler } from '@rdmalab/kernel';
import { type CmAddress, type CmEventHandler, type ConnectionManager, Mtu, VerbsError } from '@rdmalab/verbs';
import type { CmMad } from '../cm/codec.js';
import { cmMadFromPacket, cmMadPacket } from '../cm/gsi.js';
import type { CmRej, CmReq } from '../cm/messages.js';
import { CmRejectReason } from '../cm/messages.js';
import type { PacketRoute } from '../link/packet-link.js';
import { GSI_QPN } from '../wire/constants.js';
import type { RocePacket } from '../wire/packet.js';
import { AgentCmId } from './cm-id.js';
import { CMA_CM_RESPONSE_TIMEOUT, CMA_IBOE_PACKET_LIFETIME, CMA_MAX_CM_RETRIES } from './cm-timing.js';
import type { GsiDevice } from './gsi-device.js';

export interface CmAgentOptions {
  scheduler: Scheduler;
  /** Seeds communication IDs, transaction IDs, starting PSNs and source ports, so runs repeat. */
  random: Random;
  /** CM response timeout exponent advertised and waited for (default 20, ≈ 4.3 s, as rdma_cm). */
  responseTimeout?: number;
  /** Packet lifetime exponent (default 16, as rdma_cm on RoCE). */
  packetLifetime?: number;
  /** Resends of a REQ / REP / DREQ before giving up (default 15, as rdma_cm). */
  maxCmRetries?: number;
  /** Path MTU requested in REQs (default MTU_1024: what rxe gets on a 1500-byte netdev). */
  pathMtu?: Mtu;
  /** Local ACK timeout exponent the QPs get (default 14, ≈ 67 ms). */
  ackTimeout?: number;
  /** RNR NAK timer code the QPs advertise (default 12, 0.64 ms). */
  minRnrTimer?: number;
}

/** Counters of what the agent sent, received and could not use. */
export interface CmAgentStats {
  sent: number;
  received: number;
  retransmitted: number;
  /** MADs that did not decode or matched no CM id. */
  dropped: number;
}

/** Settings every CM id of the agent reads. */
export interface CmAgentSettings {
  readonly responseTimeout: number;
  readonly packetLifetime: number;
  readonly maxCmRetries: number;
  readonly pathMtu: Mtu;
  readonly ackTimeout: number;
  readonly minRnrTimer: number;
}

/**
 * The rdma_cm of one host, over IB CM MADs on QP1 (IBA ch. 12, Linux core/cm.c + core/cma.c): REQ /
 * REP / RTU to connect, REJ to refuse, DREQ / DREP to disconnect, each resent on timeout. It drives
 * the QP state machine the way rdma_cm does and delivers events on the scheduler, never from inside
 * the call that caused them.
 */
export class CmAgent implements ConnectionManager {
  readonly settings: CmAgentSettings;
  readonly stats: CmAgentStats = { sent: 0, received: 0, retransmitted: 0, dropped: 0 };
  readonly scheduler: Scheduler;
  readonly #random: Random;
  readonly #devices: readonly GsiDevice[];
  /** Local communication ID → id. */
  readonly #byCommId = new Map<number, AgentCmId>();
  /** `${remoteIp}|${remoteCommId}` → passive id, to recognise a resent REQ. */
  readonly #byRemote = new Map<string, AgentCmId>();
  /** `${ip}:${port}` → id bound there (listening or not). */
  readonly #bound = new Map<string, AgentCmId>();
  #nextCommId: number;
  #gsiPsn = 0;
  readonly #tidHigh: bigint;

  constructor(devices: readonly GsiDevice[], options: CmAgentOptions) {
    if (devices.length === 0) throw new VerbsError('ENODEV', 'CmAgent needs at least one device');
    this.#devices = devices;
    this.scheduler = options.scheduler;
    this.#random = options.random;
    this.settings = {
      responseTimeout: checkedCode('responseTimeout', options.responseTimeout ?? CMA_CM_RESPONSE_TIMEOUT),
      packetLifetime: checkedCode('packetLifetime', options.packetLifetime ?? CMA_IBOE_PACKET_LIFETIME),
      maxCmRetries: checkedRange('maxCmRetries', options.maxCmRetries ?? CMA_MAX_CM_RETRIES, 0, 15),
      pathMtu: options.pathMtu ?? Mtu.MTU_1024,
      ackTimeout: checkedCode('ackTimeout', options.ackTimeout ?? 14),
      minRnrTimer: checkedCode('minRnrTimer', options.minRnrTimer ?? 12),
    };
    // Linux starts local comm IDs at a random value (cm.c xa_alloc_cyclic with a random start).
    this.#nextCommId = (this.#random.nextU32() | 1) >>> 0;
    this.#tidHigh = BigInt(this.#random.nextU32() >>> 0) << 32n;
    for (const device of devices) {
      device.setGsiHandler((packet, route) => this.receive(device, packet, route));
    }
  }

  createId(handler: CmEventHandler): AgentCmId {
    if (typeof handler !== 'function') throw new VerbsError('EINVAL', 'createId: handler must be a function');
    return new AgentCmId(this, handler);
  }

  // ---- used by AgentCmId (the agent's internal API) ----

  /** The device owning `ip`; '0.0.0.0' means the first device. */
  deviceFor(ip: string): GsiDevice | undefined {
    if (ip === '0.0.0.0') return this.#devices[0];
    return this.#devices.find((d) => d.ip === ip);
  }

  get defaultDevice(): GsiDevice {
    return this.#devices[0]!;
  }

  allocateCommId(id: AgentCmId): number {
    let commId = this.#nextCommId;
    while (commId === 0 || this.#byCommId.has(commId)) commId = (commId + 1) >>> 0;
    this.#nextCommId = (commId + 1) >>> 0;
    this.#byCommId.set(commId, id);
    return commId;
  }

  releaseCommId(commId: number): void {
    this.#byCommId.delete(commId);
  }

  transactionId(commId: number): bigint {
    return this.#tidHigh | BigInt(commId);
  }

  /** A fresh starting PSN (Linux: get_random_u32() & 0xffffff). */
  randomPsn(): number {
    return this.#random.nextU32() & 0xffffff;
  }

  /** An ephemeral source port for the cma header (Linux's default local port range 32768..60999). */
  ephemeralPort(): number {
    return this.#random.int(32768, 61000);
  }

  bind(address: CmAddress, id: AgentCmId): void {
    const key = `${address.ip}:${address.port}`;
    const wildcard = `0.0.0.0:${address.port}`;
    const holder =
      this.#bound.get(key) ??
      (address.ip === '0.0.0.0' ? this.boundOnPort(address.port) : this.#bound.get(wildcard));
    if (holder && holder !== id) throw new VerbsError('EADDRINUSE', `bind: ${key} is already bound`);
    this.#bound.set(key, id);
  }

  unbind(address: CmAddress, id: AgentCmId): void {
    const key = `${address.ip}:${address.port}`;
    if (this.#bound.get(key) === id) this.#bound.delete(key);
  }

  rememberPassive(remoteIp: string, remoteCommId: number, id: AgentCmId): void {
    this.#byRemote.set(`${remoteIp}|${remoteCommId}`, id);
  }

  forgetPassive(remoteIp: string, remoteCommId: number, id: AgentCmId): void {
    const key = `${remoteIp}|${remoteCommId}`;
    if (this.#byRemote.get(key) === id) this.#byRemote.delete(key);
  }

  /** Put a CM MAD on the wire from `device` to `dstIp`. */
  send(device: GsiDevice, dstIp: string, mad: CmMad, retransmission = false): void {
    const packet = cmMadPacket(mad, this.#gsiPsn);
    this.#gsiPsn = (this.#gsiPsn + 1) & 0xffffff;
    this.stats.sent++;
    if (retransmission) this.stats.retransmitted++;
    device.sendGsi(packet, { srcIp: device.ip, dstIp, srcQpn: GSI_QPN });
  }

  // ---- receive path ----

  private boundOnPort(port: number): AgentCmId | undefined {
    for (const [key, id] of this.#bound) if (key.endsWith(`:${port}`)) return id;
    return undefined;
  }

  private receive(device: GsiDevice, packet: RocePacket, route: PacketRoute): void {
    const decoded = cmMadFromPacket(packet);
    if (!decoded.ok) {
      this.stats.dropped++;
      return;
    }
    this.stats.received++;
    const { header, message } = decoded.value;
    if (message.type === 'REQ') {
      this.receiveReq(device, route.srcIp, header.transactionId, message);
      return;
    }
    if (message.type === 'MRA') {
      // A peer asking for more time: not needed by this agent's peers; counted, not acted on.
      this.stats.dropped++;
      return;
    }
    const id = this.#byCommId.get(message.remoteCommId);
    if (!id?.acceptsFrom(route.srcIp, message)) {
      this.stats.dropped++;
      return;
    }
    id.receive(message);
  }

  private receiveReq(device: GsiDevice, srcIp: string, tid: bigint, req: CmReq): void {
    const existing = this.#byRemote.get(`${srcIp}|${req.localCommId}`);
    if (existing) {
      existing.receiveDuplicateReq();
      return;
    }
    const listener = this.findListener(device.ip, req.serviceId);
    if (!listener) {
      // No one listens on that service: REJ "invalid service ID" (IBA 12.6.7.2 table 109, reason 8).
      const rej: CmRej = {
        type: 'REJ',
        localCommId: 0,
        remoteCommId: req.localCommId,
        messageRejected: 0,
        rejectedInfoLength: 0,
        reason: CmRejectReason.INVALID_SERVICE_ID,
        additionalRejectInfo: new Uint8Array(0),
        privateData: new Uint8Array(0),
      };
      this.send(device, srcIp, { transactionId: tid, message: rej });
      return;
    }
    listener.receiveReq(device, srcIp, tid, req);
  }

  private findListener(ip: string, serviceId: bigint): AgentCmId | undefined {
    // rdma_cm IP service IDs: 0x0000000001 | port space (16 bits) | port (16 bits) (cma.c cma_get_service_id).
    if (serviceId >> 32n !== 0n) return undefined;
    const port = Number(serviceId & 0xffffn);
    const candidate = this.#bound.get(`${ip}:${port}`) ?? this.#bound.get(`0.0.0.0:${port}`);
    if (!candidate?.listening) return undefined;
    if (candidate.serviceId !== serviceId) return undefined;
    return candidate;
  }
}

function checkedCode(field: string, value: number): number {
  return checkedRange(field, value, 0, 31);
}

function checkedRange(field: string, value: number, lo: number, hi: number): number {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new VerbsError('EINVAL', `CmAgent: ${field}=${value} is outside ${lo}..${hi}`);
  }
  return value;
}
