import type { CompletionQueue, CqMode } from '../completion-queue.js';
import { AccessFlags } from '../constants/access-flags.js';
import { Mtu } from '../constants/mtu.js';
import { QpState, qpStateName } from '../constants/qp-state.js';
import type { Device, ProtectionDomain } from '../device.js';
import type { QueuePair } from '../queue-pair.js';
import { CompletionLog } from './completion-log.js';
import type { ConformanceHarness, ConformanceHost, ConformanceSide } from './harness.js';

/** How a case wants its pair of RC QPs. Every field has a default that suits an unfaulted fabric. */
export interface RcPairOptions {
  /** CQ delivery mode for all four CQs (default 'poll'). */
  cqMode?: CqMode;
  /** callback mode: completions per poller pass (default: the backend's). */
  cqBudget?: number;
  cqCapacity?: number;
  pathMtu?: Mtu;
  maxSendWr?: number;
  maxRecvWr?: number;
  maxSendSge?: number;
  maxRecvSge?: number;
  /** First PSN each side sends (default a 0x000100, b 0x000200); the peer's rqPsn follows. */
  sqPsn?: { a: number; b: number };
  /** Local ACK timeout code (default 14 ≈ 67 ms). */
  timeout?: number;
  retryCnt?: number;
  /** Default 7 (infinite). */
  rnrRetry?: number;
  /** RNR timer code the responder advertises (default 1 = 0.01 ms). */
  minRnrTimer?: number;
  /** RDMA READs each side may issue and serve at once (default 4). */
  rdAtomic?: number;
  /** QP access flags (default LOCAL_WRITE | REMOTE_WRITE | REMOTE_READ). */
  accessFlags?: number;
}

/** One side of a pair: the host's PD, its two CQs with their logs, and its QP. */
export interface RcEndpoint {
  readonly side: ConformanceSide;
  readonly host: ConformanceHost;
  readonly device: Device;
  readonly pd: ProtectionDomain;
  readonly sendCq: CompletionQueue;
  readonly recvCq: CompletionQueue;
  readonly qp: QueuePair;
  readonly sends: CompletionLog;
  readonly recvs: CompletionLog;
}

export interface RcPair {
  readonly a: RcEndpoint;
  readonly b: RcEndpoint;
  /** Poll-mode CQs: move waiting completions into the logs. */
  reap(): void;
  /** Every log and QP state on one line, for failure messages. */
  describe(): string;
}

const defaults = {
  cqMode: 'poll' as CqMode,
  cqCapacity: 256,
  pathMtu: Mtu.MTU_1024 as Mtu,
  maxSendWr: 16,
  maxRecvWr: 16,
  maxSendSge: 4,
  maxRecvSge: 4,
  timeout: 14,
  retryCnt: 6,
  rnrRetry: 7,
  minRnrTimer: 1,
  rdAtomic: 4,
  accessFlags: AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_READ,
};

type ResolvedOptions = typeof defaults & { sqPsn: { a: number; b: number } };

function resolve(options: RcPairOptions): ResolvedOptions {
  const merged = { ...defaults, sqPsn: { a: 0x000100, b: 0x000200 } };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) Object.assign(merged, { [key]: value });
  }
  return merged;
}

/** Allocate a PD, two CQs and an RC QP (in RESET) on one host. */
export function createRcEndpoint(host: ConformanceHost, side: ConformanceSide, options: RcPairOptions = {}) {
  const o = resolve(options);
  const { device } = host;
  const pd = device.allocPd();
  const sends = new CompletionLog(`${side}.send`);
  const recvs = new CompletionLog(`${side}.recv`);
  const makeCq = (log: CompletionLog, which: string) => {
    const cq = device.createCq({
      capacity: o.cqCapacity,
      mode: o.cqMode,
      label: `conformance ${side}.${which}`,
      ...(o.cqMode === 'callback' ? { onCompletion: log.record } : { onEvent: log.countEvent }),
      ...(options.cqBudget === undefined ? {} : { budget: options.cqBudget }),
    });
    log.bind(cq);
    return cq;
  };
  const sendCq = makeCq(sends, 'send');
  const recvCq = makeCq(recvs, 'recv');
  const qp = pd.createQp({
    type: 'RC',
    sendCq,
    recvCq,
    cap: {
      maxSendWr: o.maxSendWr,
      maxRecvWr: o.maxRecvWr,
      maxSendSge: o.maxSendSge,
      maxRecvSge: o.maxRecvSge,
      maxInlineData: 0,
    },
    label: `conformance ${side}`,
  });
  const endpoint: RcEndpoint = { side, host, device, pd, sendCq, recvCq, qp, sends, recvs };
  return endpoint;
}

/** The modify-QP attributes that take `self` to INIT, RTR and RTS towards `peer`, as ibv_rc_pingpong sets them. */
export function rcTransitions(self: RcEndpoint, peer: RcEndpoint, options: RcPairOptions = {}) {
  const o = resolve(options);
  return {
    init: { state: QpState.INIT, pkeyIndex: 0, port: 1, accessFlags: o.accessFlags },
    rtr: {
      state: QpState.RTR,
      av: { destIp: peer.host.ip, srcIp: self.host.ip },
      pathMtu: o.pathMtu,
      destQpNum: peer.qp.qpNum,
      rqPsn: o.sqPsn[peer.side],
      maxDestRdAtomic: o.rdAtomic,
      minRnrTimer: o.minRnrTimer,
    },
    rts: {
      state: QpState.RTS,
      sqPsn: o.sqPsn[self.side],
      maxRdAtomic: o.rdAtomic,
      retryCnt: o.retryCnt,
      rnrRetry: o.rnrRetry,
      timeout: o.timeout,
    },
  } as const;
}

/**
 * Build one RC QP on each host and connect them by modify-QP: RESET→INIT→RTR→RTS on both, each
 * side's RTR naming the peer's QP number, address and starting PSN.
 */
export function connectRcPair(harness: ConformanceHarness, options: RcPairOptions = {}): RcPair {
  const a = createRcEndpoint(harness.a, 'a', options);
  const b = createRcEndpoint(harness.b, 'b', options);
  const ta = rcTransitions(a, b, options);
  const tb = rcTransitions(b, a, options);
  for (const step of ['init', 'rtr', 'rts'] as const) {
    a.qp.modify(ta[step]);
    b.qp.modify(tb[step]);
  }
  return rcPairOf(a, b);
}

export function rcPairOf(a: RcEndpoint, b: RcEndpoint): RcPair {
  const logs = [a.sends, a.recvs, b.sends, b.recvs];
  return {
    a,
    b,
    reap: () => {
      for (const log of logs) log.reap();
    },
    describe: () =>
      `${logs.map((log) => log.describe()).join('; ')}; ` +
      `a: ${qpStateName(a.qp.state)}, sendQueueUsed ${a.qp.sendQueueUsed}; ` +
      `b: ${qpStateName(b.qp.state)}, sendQueueUsed ${b.qp.sendQueueUsed}`,
  };
}
