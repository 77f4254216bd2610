import { type Counter, Counters, type Tracepoint, type Tracer } from '@rdmalab/kernel';

const SUBSYSTEM = 'roce';

/** Counter names a device exposes (Counters.snapshot keys). */
export const ENGINE_COUNTERS = {
  txPackets: 'roce.tx_packets',
  rxPackets: 'roce.rx_packets',
  retransmissions: 'roce.retransmitted_packets',
  acksSent: 'roce.acks_sent',
  acksReceived: 'roce.acks_received',
  naksSent: 'roce.naks_sent',
  naksReceived: 'roce.naks_received',
  rnrNaksSent: 'roce.rnr_naks_sent',
  rnrNaksReceived: 'roce.rnr_naks_received',
  droppedBadPackets: 'roce.dropped_bad_packets',
  duplicateRequests: 'roce.duplicate_requests',
  completions: 'roce.completions',
} as const;

export type PostSendTrace = { qpn: number; wrId: number; opcode: number; length: number; signaled: boolean };
export type RetransmitTrace = {
  qpn: number;
  psn: number;
  reason: 'timeout' | 'nak_seq' | 'rnr' | 'read_gap';
};
export type AckTrace = { qpn: number; psn: number; msn: number; direction: 'tx' | 'rx' };
export type NakTrace = { qpn: number; psn: number; code: string; direction: 'tx' | 'rx' };
export type RnrNakTrace = { qpn: number; psn: number; timer: number; direction: 'tx' | 'rx' };
export type WcTrace = { qpn: number; wrId: number; status: number; opcode: number; byteLen: number };
export type QpStateTrace = { qpn: number; from: number; to: number; reason: string };

/** The device's counters and tracepoints, shared by every QP of the device. */
export class EngineStats {
  readonly counters: Counters;
  readonly txPackets: Counter;
  readonly rxPackets: Counter;
  readonly retransmissions: Counter;
  readonly acksSent: Counter;
  readonly acksReceived: Counter;
  readonly naksSent: Counter;
  readonly naksReceived: Counter;
  readonly rnrNaksSent: Counter;
  readonly rnrNaksReceived: Counter;
  readonly droppedBadPackets: Counter;
  readonly duplicateRequests: Counter;
  readonly completions: Counter;
  readonly postSend: Tracepoint<PostSendTrace> | undefined;
  readonly retransmit: Tracepoint<RetransmitTrace> | undefined;
  readonly ack: Tracepoint<AckTrace> | undefined;
  readonly nak: Tracepoint<NakTrace> | undefined;
  readonly rnrNak: Tracepoint<RnrNakTrace> | undefined;
  readonly wc: Tracepoint<WcTrace> | undefined;
  readonly qpState: Tracepoint<QpStateTrace> | undefined;

  constructor(tracer: Tracer | undefined, counters: Counters | undefined) {
    this.counters = counters ?? new Counters();
    const c = this.counters;
    this.txPackets = c.counter(ENGINE_COUNTERS.txPackets);
    this.rxPackets = c.counter(ENGINE_COUNTERS.rxPackets);
    this.retransmissions = c.counter(ENGINE_COUNTERS.retransmissions);
    this.acksSent = c.counter(ENGINE_COUNTERS.acksSent);
    this.acksReceived = c.counter(ENGINE_COUNTERS.acksReceived);
    this.naksSent = c.counter(ENGINE_COUNTERS.naksSent);
    this.naksReceived = c.counter(ENGINE_COUNTERS.naksReceived);
    this.rnrNaksSent = c.counter(ENGINE_COUNTERS.rnrNaksSent);
    this.rnrNaksReceived = c.counter(ENGINE_COUNTERS.rnrNaksReceived);
    this.droppedBadPackets = c.counter(ENGINE_COUNTERS.droppedBadPackets);
    this.duplicateRequests = c.counter(ENGINE_COUNTERS.duplicateRequests);
    this.completions = c.counter(ENGINE_COUNTERS.completions);
    this.postSend = tracer?.tracepoint<PostSendTrace>(SUBSYSTEM, 'post_send');
    this.retransmit = tracer?.tracepoint<RetransmitTrace>(SUBSYSTEM, 'retransmit');
    this.ack = tracer?.tracepoint<AckTrace>(SUBSYSTEM, 'ack');
    this.nak = tracer?.tracepoint<NakTrace>(SUBSYSTEM, 'nak');
    this.rnrNak = tracer?.tracepoint<RnrNakTrace>(SUBSYSTEM, 'rnr_nak');
    this.wc = tracer?.tracepoint<WcTrace>(SUBSYSTEM, 'wc');
    this.qpState = tracer?.tracepoint<QpStateTrace>(SUBSYSTEM, 'qp_state');
  }
}
