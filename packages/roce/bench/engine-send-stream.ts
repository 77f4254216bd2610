import { PhysicalMemory, VirtualScheduler } from '@rdmalab/kernel';
import {
  AccessFlags,
  type CompletionQueue,
  type MemoryRegion,
  type Mtu,
  QpState,
  type QueuePair,
  type RecvWr,
  SendFlags,
  type SendWr,
  WrOpcode,
} from '@rdmalab/verbs';
import type { PacketLink, PacketRoute } from '../src/link/packet-link.js';
import { IdentityIommu } from '../src/softdev/iommu.js';
import { SoftDevice } from '../src/softdev/soft-device.js';
import type { RocePacket } from '../src/wire/packet.js';

/**
 * The most trivial network: every packet reaches the device owning its destination IP `delayNs` later,
 * in FIFO order, one scheduler event per packet. With `recycle`, it hands each packet back to its
 * sender once the receiver has processed it (SoftDevice.recyclePayload), as the simulated fabric does
 * when no pcap is kept; without, every payload is fresh memory, as under a link that keeps packets.
 */
class LoopbackLink {
  private readonly devices = new Map<string, SoftDevice>();
  private readonly receivers = new Map<string, (packet: RocePacket, route: PacketRoute) => void>();
  private readonly queue: { packet: RocePacket; route: PacketRoute }[] = [];
  private head = 0;
  private readonly boundDeliver = () => this.deliverNext();

  constructor(
    private readonly scheduler: VirtualScheduler,
    private readonly delayNs: number,
    private readonly recycle: boolean,
  ) {}

  port(ip: string): PacketLink {
    return {
      transmit: (packet, route) => {
        this.queue.push({ packet, route });
        this.scheduler.setTimer(this.delayNs, this.boundDeliver);
      },
      attach: (receive) => {
        this.receivers.set(ip, receive);
      },
    };
  }

  register(ip: string, device: SoftDevice): void {
    this.devices.set(ip, device);
  }

  private deliverNext(): void {
    const { packet, route } = this.queue[this.head]!;
    this.queue[this.head++] = undefined as unknown as { packet: RocePacket; route: PacketRoute };
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.receivers.get(route.dstIp)?.(packet, route);
    if (this.recycle) this.devices.get(route.srcIp)?.recyclePayload(packet);
  }
}

interface End {
  device: SoftDevice;
  qp: QueuePair;
  mr: MemoryRegion;
  sendCq: CompletionQueue;
  recvCq: CompletionQueue;
}

function end(scheduler: VirtualScheduler, link: LoopbackLink, ip: string, batch: number): End {
  const memory = new PhysicalMemory({ totalPages: 64, name: `${ip}-mem` });
  const device = new SoftDevice({
    name: `bench@${ip}`,
    ip,
    memory,
    scheduler,
    link: link.port(ip),
    iommu: new IdentityIommu(),
    sqRetirement: 'each',
  });
  link.register(ip, device);
  const pd = device.allocPd();
  const sendCq = device.createCq({ capacity: 1024, mode: 'poll' });
  const recvCq = device.createCq({ capacity: 1024, mode: 'poll' });
  const qp = pd.createQp({
    type: 'RC',
    sendCq,
    recvCq,
    cap: { maxSendWr: batch, maxRecvWr: batch, maxSendSge: 4, maxRecvSge: 4, maxInlineData: 64 },
  });
  const mr = pd.registerMr({
    pages: memory.allocPages(8, `${ip}:buffers`),
    access: AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_READ,
  });
  return { device, qp, mr, sendCq, recvCq };
}

/** RESET → INIT → RTR → RTS toward `remote`, as rdma_cm would. */
function connect(local: End, remote: End, localIp: string, remoteIp: string, pathMtu: Mtu): void {
  const access = AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_READ;
  local.qp.modify({ state: QpState.INIT, pkeyIndex: 0, port: 1, accessFlags: access });
  local.qp.modify({
    state: QpState.RTR,
    av: { destIp: remoteIp, srcIp: localIp },
    pathMtu,
    destQpNum: remote.qp.qpNum,
    rqPsn: 1000,
    maxDestRdAtomic: 4,
    minRnrTimer: 1,
  });
  // Local ACK timeout 14 (67 ms): never fires in a loss-free run.
  local.qp.modify({ state: QpState.RTS, sqPsn: 1000, maxRdAtomic: 4, retryCnt: 7, rnrRetry: 7, timeout: 14 });
}

/** A connected pair streaming 4 KiB SENDs (every 16th signaled) over the loopback link. */
export class SendStream {
  readonly scheduler = new VirtualScheduler();
  private readonly a: End;
  private readonly b: End;
  private readonly wrs: SendWr[];
  private readonly recvs: RecvWr[];

  constructor(
    mtu: Mtu,
    options: { recycle: boolean },
    readonly batch = 256,
  ) {
    const link = new LoopbackLink(this.scheduler, 500, options.recycle);
    const a = end(this.scheduler, link, '10.0.0.1', batch);
    const b = end(this.scheduler, link, '10.0.0.2', batch);
    connect(a, b, '10.0.0.1', '10.0.0.2', mtu);
    connect(b, a, '10.0.0.2', '10.0.0.1', mtu);
    this.a = a;
    this.b = b;
    this.wrs = Array.from({ length: batch }, (_, i) => ({
      wrId: i,
      opcode: WrOpcode.SEND,
      flags: i % 16 === 15 ? SendFlags.SIGNALED : SendFlags.NONE,
      sgList: [{ addr: a.mr.iova + (i % 8) * 4096, length: 4096, lkey: a.mr.lkey }],
    }));
    this.recvs = Array.from({ length: batch }, (_, i) => ({
      wrId: i,
      sgList: [{ addr: b.mr.iova + (i % 8) * 4096, length: 4096, lkey: b.mr.lkey }],
    }));
  }

  /** Send one batch to completion; returns the packets that crossed the link (requests + ACKs). */
  runBatch(): number {
    const { a, b } = this;
    const before = a.device.counters.get('roce.tx_packets') + b.device.counters.get('roce.tx_packets');
    b.qp.postRecv(this.recvs);
    a.qp.postSend(this.wrs);
    this.scheduler.runUntilIdle();
    a.sendCq.poll(10_000);
    b.recvCq.poll(10_000);
    return a.device.counters.get('roce.tx_packets') + b.device.counters.get('roce.tx_packets') - before;
  }
}
