import { type Page, PhysicalMemory, VirtualScheduler } from '@rdmalab/kernel';
import {
  AccessFlags,
  type CompletionQueue,
  type MemoryRegion,
  Mtu,
  type ProtectionDomain,
  QpState,
  type QueuePair,
  type WorkCompletion,
} from '@rdmalab/verbs';
import { IdentityIommu, type Iommu } from '../src/softdev/iommu.js';
import type { SqRetirement } from '../src/softdev/send-queue-retirement.js';
import { SoftDevice } from '../src/softdev/soft-device.js';
import { LoopbackNetwork } from './engine-loopback.js';

export interface Side {
  device: SoftDevice;
  memory: PhysicalMemory;
  pd: ProtectionDomain;
  sendCq: CompletionQueue;
  recvCq: CompletionQueue;
  qp: QueuePair;
  pages: Page[];
  /** An MR over `pages` with full access. */
  mr: MemoryRegion;
}

export interface PairOptions {
  mtu?: Mtu;
  timeout?: number;
  retryCnt?: number;
  rnrRetry?: number;
  minRnrTimer?: number;
  sqRetirement?: SqRetirement;
  maxSendWr?: number;
  maxRecvWr?: number;
  iommuA?: Iommu;
  delayNs?: number;
  connect?: boolean;
  sqSigAll?: boolean;
}

export interface Pair {
  scheduler: VirtualScheduler;
  net: LoopbackNetwork;
  a: Side;
  b: Side;
}

function makeSide(
  scheduler: VirtualScheduler,
  net: LoopbackNetwork,
  name: string,
  ip: string,
  o: PairOptions,
  iommu: Iommu,
): Side {
  const memory = new PhysicalMemory({ totalPages: 64, name: `${name}-mem` });
  const device = new SoftDevice({
    name,
    ip,
    memory,
    scheduler,
    link: net.link(ip),
    iommu,
    sqRetirement: o.sqRetirement ?? 'each',
  });
  const pd = device.allocPd();
  const sendCq = device.createCq({ capacity: 1024, mode: 'poll' });
  const recvCq = device.createCq({ capacity: 1024, mode: 'poll' });
  const qp = pd.createQp({
    type: 'RC',
    sendCq,
    recvCq,
    sqSigAll: o.sqSigAll ?? false,
    cap: {
      maxSendWr: o.maxSendWr ?? 64,
      maxRecvWr: o.maxRecvWr ?? 64,
      maxSendSge: 4,
      maxRecvSge: 4,
      maxInlineData: 64,
    },
  });
  const pages = memory.allocPages(8, `${name}:buffers`);
  const mr = pd.registerMr({
    pages,
    access: AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_READ,
  });
  return { device, memory, pd, sendCq, recvCq, qp, pages, mr };
}

/** Bring one QP of a connected pair to RTS (RESET → INIT → RTR → RTS), as rdma_cm would. */
export function connect(local: Side, remote: Side, localIp: string, remoteIp: string, o: PairOptions): void {
  local.qp.modify({
    state: QpState.INIT,
    pkeyIndex: 0,
    port: 1,
    accessFlags: AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_READ,
  });
  local.qp.modify({
    state: QpState.RTR,
    av: { destIp: remoteIp, srcIp: localIp },
    pathMtu: o.mtu ?? Mtu.MTU_1024,
    destQpNum: remote.qp.qpNum,
    rqPsn: 1000,
    maxDestRdAtomic: 4,
    minRnrTimer: o.minRnrTimer ?? 1,
  });
  local.qp.modify({
    state: QpState.RTS,
    sqPsn: 1000,
    maxRdAtomic: 4,
    retryCnt: o.retryCnt ?? 7,
    rnrRetry: o.rnrRetry ?? 7,
    timeout: o.timeout ?? 8,
  });
}

/** Two devices on a loopback network, each with one RC QP, connected to each other. */
export function makePair(o: PairOptions = {}): Pair {
  const scheduler = new VirtualScheduler();
  const net = new LoopbackNetwork(scheduler, o.delayNs ?? 1000);
  const a = makeSide(scheduler, net, 'devA', '10.0.0.1', o, o.iommuA ?? new IdentityIommu());
  const b = makeSide(scheduler, net, 'devB', '10.0.0.2', o, new IdentityIommu());
  if (o.connect ?? true) {
    connect(a, b, '10.0.0.1', '10.0.0.2', o);
    connect(b, a, '10.0.0.2', '10.0.0.1', o);
  }
  return { scheduler, net, a, b };
}

/** Bytes 0..n-1 shifted by `seed`, so buffers are distinguishable. */
export function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + seed) & 0xff;
  return out;
}

/** Poll everything from a poll-mode CQ. */
export function drain(cq: CompletionQueue): WorkCompletion[] {
  return cq.poll(10_000);
}
