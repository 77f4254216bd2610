import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { type Counter, Counters } from '@rdmalab/kernel';
import {
  decodeUdpPayload,
  ETHERNET_HEADER_BYTES,
  encodeFrame,
  encodeUdpPayload,
  type PacketLink,
  type PacketRoute,
  ROCE_V2_UDP_DPORT,
  type RocePacket,
  type TxProvenance,
} from '@rdmalab/roce';
import { RxeError } from '../errors.js';
import { ICRC_POLICIES, IcrcCheck, type IcrcPolicy } from './icrc-check.js';
import { LinkFaults } from './link-faults.js';
import { RawIpv4Socket } from './raw-ipv4-socket.js';

/** Receive buffer asked for by default: 128 unacknowledged 4 KiB packets per QP fit several times over. */
export const DEFAULT_RECV_BUFFER_BYTES = 4 << 20;
export const DEFAULT_SEND_BUFFER_BYTES = 4 << 20;
/** Datagrams sent per event-loop turn before the link yields to receive processing. */
export const DEFAULT_TX_BATCH = 32;
/** Datagrams libuv may hold unsent (socket buffer full) before the link stops handing it more. */
const MAX_LIBUV_QUEUE = 64;
/** TTL of raw-sent packets: Linux's default (net.ipv4.ip_default_ttl), as rxe's sockets use; masked out of the ICRC. */
const RAW_TTL = 64;
/** encodeFrame writes an Ethernet header first; the raw socket takes the IPv4 packet after it. */
const NO_MAC = '00:00:00:00:00:00';

/**
 * How packets leave the link:
 * - `raw`: a raw IPv4 socket (native addon, root/CAP_NET_RAW); the link writes the IPv4 header itself, with
 *   its own non-zero Identification, so the ICRC covers exactly the header on the wire (what Linux rxe checks);
 * - `dgram`: the node:dgram socket; the kernel picks the IPv4 ID, the ICRC assumes 0 (see README);
 * - `auto` (default): `raw` when the addon loads and the raw socket opens, else `dgram`.
 */
export type LinkSender = 'auto' | 'raw' | 'dgram';
export const LINK_SENDERS: readonly LinkSender[] = ['auto', 'raw', 'dgram'];

export interface UdpLinkOptions {
  /** Local IPv4 address: the link binds UDP 4791 on it. */
  ip: string;
  /** UDP port to bind and send to (default 4791, ROCE_V2_UDP_DPORT; only change it for private setups). */
  port?: number;
  /** SO_RCVBUF asked for (the kernel caps it at net.core.rmem_max and doubles it). */
  recvBufferBytes?: number;
  /** SO_SNDBUF asked for. */
  sendBufferBytes?: number;
  /** How received ICRCs are checked (default 'any-ip-id'). */
  icrc?: IcrcPolicy;
  /** Datagrams sent per event-loop turn before yielding to receive processing (default 32). */
  txBatch?: number;
  /** How packets are sent (default 'auto'); 'raw' throws RxeError ENOTSUP / EPERM / EACCES / EIO when unavailable. */
  sender?: LinkSender;
  counters?: Counters;
}

/** Counter names of a UDP link. */
export const UDP_LINK_COUNTERS = {
  txDatagrams: 'rxe.tx_datagrams',
  txRawDatagrams: 'rxe.tx_raw_datagrams',
  txBytes: 'rxe.tx_bytes',
  txDeferred: 'rxe.tx_deferred',
  txErrors: 'rxe.tx_errors',
  rxDatagrams: 'rxe.rx_datagrams',
  rxBytes: 'rxe.rx_bytes',
  rxMalformed: 'rxe.rx_malformed',
  rxBadIcrc: 'rxe.rx_bad_icrc',
  rxIcrcSolvedIpId: 'rxe.rx_icrc_solved_ip_id',
  rxEngineErrors: 'rxe.rx_engine_errors',
  faultDrops: 'rxe.fault_drops',
} as const;

interface Outgoing {
  /** A UDP payload (dgram sender) or a whole IPv4 packet (raw sender). */
  readonly bytes: Uint8Array;
  readonly dstIp: string;
}

/**
 * The rxe backend's PacketLink: one node:dgram socket bound to `ip`:4791 carries every packet of the
 * device (RC data, ACKs, CM MADs on QP1), encoded byte for byte as Linux rxe does (BTH … ICRC).
 * Sending is paced per event-loop turn so a receiver in the same process is never starved; received
 * datagrams that are malformed, carry a bad ICRC or make the engine throw are counted and dropped.
 */
export class UdpLink implements PacketLink {
  readonly ip: string;
  readonly port: number;
  readonly counters: Counters;
  readonly faults = new LinkFaults();
  /** Resolves once the socket is bound; rejects with RxeError EADDRINUSE / EADDRNOTAVAIL / EIO. */
  readonly ready: Promise<void>;
  /** The last IPv4 Identification each peer's ICRC was valid under (a capture can confirm it). */
  readonly lastIpId = new Map<string, number>();
  /** The last error thrown by the engine on receive (counted, never fatal). */
  lastEngineError: unknown;
  /** The sender in use: 'raw' (our IPv4 header and ID on the wire) or 'dgram'. */
  readonly senderKind: 'raw' | 'dgram';
  /** Why 'auto' fell back to 'dgram' (undefined when raw is in use or 'dgram' was asked for). */
  readonly rawUnavailableReason: string | undefined;
  readonly #socket: Socket;
  readonly #raw: RawIpv4Socket | undefined;
  /** Next IPv4 Identification of raw-sent packets; never 0 (the kernel would replace a 0). */
  #ipId: number;
  readonly #icrc: IcrcCheck;
  readonly #txBatch: number;
  readonly #queue: Outgoing[] = [];
  #queueHead = 0;
  #sentThisTurn = 0;
  #turnScheduled = false;
  #receive: ((packet: RocePacket, route: PacketRoute) => void) | undefined;
  #done: ((packet: RocePacket) => void) | undefined;
  #closed = false;
  #bound = false;
  readonly #c: Record<keyof typeof UDP_LINK_COUNTERS, Counter>;

  constructor(options: UdpLinkOptions) {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(options?.ip ?? ''))
      throw new RxeError('EINVAL', `UdpLink: ip "${String(options?.ip)}" is not an IPv4 address`);
    const policy = options.icrc ?? 'any-ip-id';
    if (!ICRC_POLICIES.includes(policy))
      throw new RxeError(
        'EINVAL',
        `UdpLink: icrc "${String(policy)}" must be one of ${ICRC_POLICIES.join(', ')}`,
      );
    this.ip = options.ip;
    this.port = checkInt('port', options.port ?? ROCE_V2_UDP_DPORT, 1, 65535);
    this.#txBatch = checkInt('txBatch', options.txBatch ?? DEFAULT_TX_BATCH, 1, 1 << 16);
    const recvBufferSize = checkInt(
      'recvBufferBytes',
      options.recvBufferBytes ?? DEFAULT_RECV_BUFFER_BYTES,
      1024,
      1 << 30,
    );
    const sendBufferSize = checkInt(
      'sendBufferBytes',
      options.sendBufferBytes ?? DEFAULT_SEND_BUFFER_BYTES,
      1024,
      1 << 30,
    );
    this.#icrc = new IcrcCheck(policy, options.ip);
    const sender = options.sender ?? 'auto';
    if (!LINK_SENDERS.includes(sender))
      throw new RxeError(
        'EINVAL',
        `UdpLink: sender "${String(sender)}" must be one of ${LINK_SENDERS.join(', ')}`,
      );
    this.#raw = undefined;
    this.rawUnavailableReason = undefined;
    if (sender !== 'dgram') {
      if (this.port !== ROCE_V2_UDP_DPORT) {
        // encodeFrame writes the RoCEv2 port (the raw path is for talking to real rxe peers).
        const reason = `raw sender needs port ${ROCE_V2_UDP_DPORT}, link uses ${this.port}`;
        if (sender === 'raw') throw new RxeError('EINVAL', `UdpLink: ${reason}`);
        this.rawUnavailableReason = reason;
      } else {
        try {
          this.#raw = RawIpv4Socket.open(sendBufferSize);
        } catch (error) {
          if (sender === 'raw') throw error;
          this.rawUnavailableReason = (error as Error).message;
        }
      }
    }
    this.senderKind = this.#raw === undefined ? 'dgram' : 'raw';
    this.#ipId = 1 + Math.floor(Math.random() * 0xffff);
    this.counters = options.counters ?? new Counters();
    const c = {} as Record<keyof typeof UDP_LINK_COUNTERS, Counter>;
    for (const [key, name] of Object.entries(UDP_LINK_COUNTERS))
      c[key as keyof typeof UDP_LINK_COUNTERS] = this.counters.counter(name);
    this.#c = c;
    this.#socket = createSocket({ type: 'udp4', recvBufferSize, sendBufferSize });
    this.#socket.on('message', (msg, rinfo) => this.#onDatagram(msg, rinfo));
    this.ready = new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        this.#closed = true;
        this.#raw?.close();
        const code = error.code === 'EADDRINUSE' || error.code === 'EADDRNOTAVAIL' ? error.code : 'EIO';
        reject(
          new RxeError(code, `UdpLink: cannot bind ${this.ip}:${this.port}: ${error.message}`, {
            cause: error,
          }),
        );
      };
      this.#socket.once('error', onError);
      this.#socket.bind({ address: this.ip, port: this.port, exclusive: true }, () => {
        this.#socket.off('error', onError);
        // After binding, send errors (e.g. EHOSTUNREACH) are counted, never thrown at the process.
        this.#socket.on('error', () => this.#c.txErrors.inc());
        this.#bound = true;
        resolve();
      });
    });
    // A failed bind is reported through `ready`; keep it from being an unhandled rejection here.
    this.ready.catch(() => {});
  }

  /** SO_RCVBUF as the kernel granted it (after binding). */
  get recvBufferBytes(): number {
    return this.#bound ? this.#socket.getRecvBufferSize() : 0;
  }

  /** Packets queued in the link, not yet handed to the kernel. */
  get queued(): number {
    return this.#queue.length - this.#queueHead;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Called with every packet the link no longer needs (encoded into a datagram, or dropped): the device may
   * reuse its payload buffer for a later gather (SoftDevice.recyclePayload), sparing a GC per packet.
   */
  onPacketDone(done: (packet: RocePacket) => void): void {
    this.#done = done;
  }

  attach(receive: (packet: RocePacket, route: PacketRoute) => void): void {
    if (this.#receive !== undefined)
      throw new RxeError('EINVAL', 'UdpLink.attach: a device is already attached');
    this.#receive = receive;
  }

  transmit(packet: RocePacket, route: PacketRoute, _provenance?: TxProvenance): void {
    if (this.#closed) return;
    if (this.faults.active && this.faults.drops('tx', packet, route)) {
      this.#c.faultDrops.inc();
      this.#done?.(packet);
      return;
    }
    let bytes: Uint8Array;
    try {
      bytes =
        this.#raw === undefined ? this.#encodeForDgram(packet, route) : this.#encodeForRaw(packet, route);
    } catch {
      this.#c.txErrors.inc();
      return;
    }
    // The payload now lives in `bytes`; a retransmission gathers afresh into a new buffer.
    this.#done?.(packet);
    if (this.queued === 0 && this.#sentThisTurn < this.#txBatch && this.#libuvHasRoom()) {
      if (this.#send(bytes, route.dstIp)) return;
    }
    this.#c.txDeferred.inc();
    this.#queue.push({ bytes, dstIp: route.dstIp });
    this.#scheduleTurn();
  }

  /** Hand what is queued to the kernel (a last DREQ, say), then stop and close the socket. Idempotent. */
  async close(): Promise<void> {
    // Closed before the bind finished: let it finish, or the bound socket would outlive the link.
    if (!this.#closed && !this.#bound) await this.ready.catch(() => {});
    if (this.#closed && !this.#bound) return;
    if (this.#bound && !this.#closed) {
      const last: Promise<void>[] = [];
      while (this.#raw !== undefined && this.queued > 0) {
        const next = this.#queue[this.#queueHead++]!;
        this.#send(next.bytes, next.dstIp);
      }
      while (this.queued > 0) {
        const next = this.#queue[this.#queueHead++]!;
        this.#c.txDatagrams.inc();
        this.#c.txBytes.inc(next.bytes.length);
        last.push(
          new Promise((resolve) => this.#socket.send(next.bytes, this.port, next.dstIp, () => resolve())),
        );
      }
      // dgram resolves the address a tick later: without waiting, closing now would cancel these sends,
      // and datagrams sent directly this turn too.
      last.push(new Promise((resolve) => setImmediate(resolve)));
      await Promise.all(last);
    }
    this.#closed = true;
    this.#queue.length = 0;
    this.#queueHead = 0;
    this.faults.clear();
    this.#raw?.close();
    if (!this.#bound) return;
    this.#bound = false;
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  /** BTH … ICRC for node:dgram. IPv4 ID 0 in the ICRC: see README "ICRC and the IPv4 ID" for what the kernel writes. */
  #encodeForDgram(packet: RocePacket, route: PacketRoute): Uint8Array {
    return encodeUdpPayload(packet, {
      src: this.ip,
      dst: route.dstIp,
      srcPort: this.port,
      dstPort: this.port,
    });
  }

  /**
   * The whole IPv4 packet as rxe builds it (rxe_net.c prepare_ipv4_hdr / prepare_udp_hdr): DF, TTL 64, UDP
   * source port by rxe's per-QP rule, checksum 0, destination 4791; the ICRC covers this exact header, ID included.
   */
  #encodeForRaw(packet: RocePacket, route: PacketRoute): Uint8Array {
    const identification = this.#ipId;
    this.#ipId = identification === 0xffff ? 1 : identification + 1;
    const frame = encodeFrame({
      srcMac: NO_MAC,
      dstMac: NO_MAC,
      srcIp: this.ip,
      dstIp: route.dstIp,
      srcQpn: route.srcQpn,
      packet,
      identification,
      ttl: RAW_TTL,
    });
    return frame.subarray(ETHERNET_HEADER_BYTES);
  }

  #libuvHasRoom(): boolean {
    // A raw send is one synchronous sendto: nothing waits in libuv.
    return this.#raw !== undefined || this.#socket.getSendQueueCount() < MAX_LIBUV_QUEUE;
  }

  /** Hands one datagram to the kernel; false when the raw socket's buffer is full (EAGAIN/ENOBUFS: retry later). */
  #send(bytes: Uint8Array, dstIp: string): boolean {
    this.#sentThisTurn++;
    this.#scheduleTurn();
    if (this.#raw !== undefined) {
      const error = this.#raw.send(bytes);
      if (error === 'EAGAIN' || error === 'EWOULDBLOCK' || error === 'ENOBUFS') return false;
      if (error !== undefined) {
        // As with dgram's asynchronous send errors (EHOSTUNREACH, EMSGSIZE …): counted, the engine retransmits.
        this.#c.txErrors.inc();
        return true;
      }
      this.#c.txRawDatagrams.inc();
    } else {
      this.#socket.send(bytes, this.port, dstIp);
    }
    this.#c.txDatagrams.inc();
    this.#c.txBytes.inc(bytes.length);
    return true;
  }

  /** A new event-loop turn: refill the per-turn budget and drain what waited. */
  #scheduleTurn(): void {
    if (this.#turnScheduled) return;
    this.#turnScheduled = true;
    setImmediate(this.#onTurn);
  }

  readonly #onTurn = (): void => {
    this.#turnScheduled = false;
    this.#sentThisTurn = 0;
    if (this.#closed) return;
    while (this.queued > 0 && this.#sentThisTurn < this.#txBatch && this.#libuvHasRoom()) {
      const next = this.#queue[this.#queueHead]!;
      if (!this.#send(next.bytes, next.dstIp)) break; // socket buffer full: the rest waits a turn
      this.#queueHead++;
    }
    if (this.queued === 0) {
      this.#queue.length = 0;
      this.#queueHead = 0;
    } else {
      this.#scheduleTurn();
    }
  };

  #onDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.#closed) return;
    this.#c.rxDatagrams.inc();
    this.#c.rxBytes.inc(msg.length);
    const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.length);
    const decoded = decodeUdpPayload(bytes, { verifyIcrc: false });
    if (!decoded.ok) {
      this.#c.rxMalformed.inc();
      return;
    }
    const verdict = this.#icrc.verify(bytes, rinfo.address, rinfo.port);
    if (verdict === false) {
      this.#c.rxBadIcrc.inc();
      return;
    }
    if (verdict !== undefined) {
      if (verdict !== 0) this.#c.rxIcrcSolvedIpId.inc();
      this.lastIpId.set(rinfo.address, verdict);
    }
    const packet = decoded.value.packet;
    const route: PacketRoute = { srcIp: rinfo.address, dstIp: this.ip, srcQpn: packet.deth?.srcQp ?? 0 };
    if (this.faults.active && this.faults.drops('rx', packet, route)) {
      this.#c.faultDrops.inc();
      return;
    }
    try {
      this.#receive?.(packet, route);
    } catch (error) {
      // One bad packet must not take the process (or the other QPs) down.
      this.lastEngineError = error;
      this.#c.rxEngineErrors.inc();
    }
  }
}

function checkInt(field: string, value: number, lo: number, hi: number): number {
  if (!Number.isInteger(value) || value < lo || value > hi)
    throw new RxeError('EINVAL', `UdpLink: ${field}=${String(value)} must be an integer ${lo}..${hi}`);
  return value;
}
