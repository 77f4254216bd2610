import { createRandom, PhysicalMemory, VirtualScheduler } from '@rdmalab/kernel';
import {
  type CmEvent,
  CmEventType,
  type CompletionQueue,
  type CreateQpOptions,
  checkQpTransition,
  type DeviceAttributes,
  type ProtectionDomain,
  type QpAttributes,
  QpState,
  type QueuePair,
} from '@rdmalab/verbs';
import { describe, expect, it } from 'vitest';
import { cmMadFromPacket } from '../src/cm/gsi.js';
import { CmRejectReason } from '../src/cm/messages.js';
import { CmAgent } from '../src/cm-agent/cm-agent.js';
import type { AgentCmId } from '../src/cm-agent/cm-id.js';
import type { GsiDevice } from '../src/cm-agent/gsi-device.js';
import type { PacketRoute } from '../src/link/packet-link.js';
import type { RocePacket } from '../src/wire/packet.js';

/** A QP double: validates every modify with the verbs transition table and remembers the attributes. */
class QpDouble {
  state: QpState = QpState.RESET;
  attrs: Partial<QpAttributes> = {};
  destroyed = false;
  readonly cap = { maxSendWr: 4, maxRecvWr: 4, maxSendSge: 1, maxRecvSge: 1, maxInlineData: 0 };
  readonly sendCq = {} as CompletionQueue;
  readonly recvCq = {} as CompletionQueue;
  readonly sendQueueUsed = 0;
  constructor(readonly qpNum: number) {}
  modify(attrs: Partial<QpAttributes> & { state: QpState }): void {
    checkQpTransition(this.state, attrs);
    this.attrs = { ...this.attrs, ...attrs };
    this.state = attrs.state;
  }
  query(): Partial<QpAttributes> & { state: QpState } {
    return { ...this.attrs, state: this.state };
  }
  postSend(): void {}
  postRecv(): void {}
  destroy(): void {
    this.destroyed = true;
  }
}

const attrs = { maxQpRdAtom: 16, maxQpInitRdAtom: 8 } as DeviceAttributes;

/** Two GSI devices joined by a wire on the virtual clock, with a switch to drop MADs. */
function pair(options: { latencyNs?: number } = {}) {
  const scheduler = new VirtualScheduler();
  const wire: { mads: string[]; drop: (type: string) => boolean } = { mads: [], drop: () => false };
  type DeviceDouble = GsiDevice & { qps: QpDouble[]; deliver: (p: RocePacket, r: PacketRoute) => void };
  const devices = new Map<string, DeviceDouble>();
  let nextQpn = 17;
  const makeDevice = (ip: string): DeviceDouble => {
    let gsi: ((p: RocePacket, r: PacketRoute) => void) | undefined;
    const qps: QpDouble[] = [];
    const pd = {
      createQp: (_o: CreateQpOptions) => {
        const qp = new QpDouble(nextQpn++);
        qps.push(qp);
        return qp as unknown as QueuePair;
      },
    } as unknown as ProtectionDomain;
    const device = {
      name: `dev@${ip}`,
      ip,
      attrs,
      memory: new PhysicalMemory({ totalPages: 1 }),
      qps,
      allocPd: () => pd,
      setGsiHandler: (h: (p: RocePacket, r: PacketRoute) => void) => {
        gsi = h;
      },
      sendGsi: (packet: RocePacket, route: PacketRoute) => {
        const decoded = cmMadFromPacket(packet);
        const type = decoded.ok ? decoded.value.message.type : 'BAD';
        wire.mads.push(`${route.srcIp}>${route.dstIp} ${type}`);
        if (wire.drop(type)) return;
        const peer = devices.get(route.dstIp);
        scheduler.setTimer(options.latencyNs ?? 1000, () => peer?.deliver(packet, route));
      },
      deliver: (packet: RocePacket, route: PacketRoute) => gsi?.(packet, route),
    } as unknown as DeviceDouble;
    devices.set(ip, device);
    return device;
  };
  const a = makeDevice('10.0.0.1');
  const b = makeDevice('10.0.0.2');
  const cmA = new CmAgent([a], { scheduler, random: createRandom(1) });
  const cmB = new CmAgent([b], { scheduler, random: createRandom(2) });
  return { scheduler, wire, a, b, cmA, cmB };
}

const qpOptions = { type: 'RC' } as CreateQpOptions;

describe('CM agent handshake over CM MADs', () => {
  it('connects: REQ → CONNECT_REQUEST → accept (RTR) → REP → active RTR+RTS → RTU → passive RTS', () => {
    const { scheduler, wire, a, b, cmA, cmB } = pair();
    const serverEvents: CmEvent[] = [];
    const clientEvents: CmEvent[] = [];
    const listener = cmB.createId((e) => {
      serverEvents.push(e);
      if (e.type === CmEventType.CONNECT_REQUEST) {
        const id = e.newId!;
        id.createQp(b.allocPd(), qpOptions);
        id.accept({ privateData: new Uint8Array([9, 9]), responderResources: 4, initiatorDepth: 2 });
      }
    });
    listener.bind({ ip: '10.0.0.2', port: 20049 });
    listener.listen();
    const client = cmA.createId((e) => clientEvents.push(e));
    client.resolveRoute({ ip: '10.0.0.2', port: 20049 });
    client.createQp(a.allocPd(), qpOptions);
    expect(a.qps[0]!.state).toBe(QpState.INIT);
    client.connect({
      privateData: new Uint8Array([1, 2, 3]),
      responderResources: 1,
      initiatorDepth: 4,
      retryCount: 6,
      rnrRetryCount: 0,
    });
    // Nothing is delivered from inside the call.
    expect(clientEvents).toEqual([]);
    scheduler.runUntilIdle();
    expect(wire.mads).toEqual(['10.0.0.1>10.0.0.2 REQ', '10.0.0.2>10.0.0.1 REP', '10.0.0.1>10.0.0.2 RTU']);
    const request = serverEvents.find((e) => e.type === CmEventType.CONNECT_REQUEST)!;
    expect([...request.privateData!.subarray(0, 4)]).toEqual([1, 2, 3, 0]);
    expect(request.param).toEqual({
      responderResources: 1,
      initiatorDepth: 4,
      retryCount: 6,
      rnrRetryCount: 0,
    });
    expect(request.newId!.remote).toEqual({ ip: '10.0.0.1', port: client.local!.port });
    expect(clientEvents.map((e) => e.type)).toEqual([CmEventType.ESTABLISHED]);
    expect([...clientEvents[0]!.privateData!.subarray(0, 3)]).toEqual([9, 9, 0]);
    expect(serverEvents.map((e) => e.type)).toEqual([CmEventType.CONNECT_REQUEST, CmEventType.ESTABLISHED]);
    const [qa] = a.qps;
    const [qb] = b.qps;
    expect(qa!.state).toBe(QpState.RTS);
    expect(qb!.state).toBe(QpState.RTS);
    // Each QP points at the other, and each side's receive PSN is the other's send PSN.
    expect(qa!.attrs.destQpNum).toBe(qb!.qpNum);
    expect(qb!.attrs.destQpNum).toBe(qa!.qpNum);
    expect(qa!.attrs.rqPsn).toBe(qb!.attrs.sqPsn);
    expect(qb!.attrs.rqPsn).toBe(qa!.attrs.sqPsn);
    // READ credits: the client issues min(4, server's 4) and the server issues min(2, client's 1).
    expect(qa!.attrs.maxRdAtomic).toBe(4);
    expect(qb!.attrs.maxDestRdAtomic).toBe(4);
    expect(qb!.attrs.maxRdAtomic).toBe(1);
    expect(qb!.attrs.retryCnt).toBe(6);
    expect(qb!.attrs.rnrRetry).toBe(0);
    expect(qa!.attrs.av).toMatchObject({ destIp: '10.0.0.2', srcIp: '10.0.0.1' });
  });

  it('a consumer reject reaches the initiator as REJECTED with reason 28 and the private data', () => {
    const { scheduler, wire, a, cmA, cmB } = pair();
    const listener = cmB.createId((e) => {
      if (e.type === CmEventType.CONNECT_REQUEST) e.newId!.reject(new Uint8Array([0xde, 0xad]));
    });
    listener.bind({ ip: '0.0.0.0', port: 7 });
    listener.listen();
    const events: CmEvent[] = [];
    const client = cmA.createId((e) => events.push(e));
    client.resolveRoute({ ip: '10.0.0.2', port: 7 });
    client.createQp(a.allocPd(), qpOptions);
    client.connect({});
    scheduler.runUntilIdle();
    expect(wire.mads).toEqual(['10.0.0.1>10.0.0.2 REQ', '10.0.0.2>10.0.0.1 REJ']);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: CmEventType.REJECTED, status: CmRejectReason.CONSUMER_DEFINED });
    expect([...events[0]!.privateData!.subarray(0, 2)]).toEqual([0xde, 0xad]);
  });

  it('no listener: REJ with reason 8 (invalid service ID)', () => {
    const { scheduler, a, cmA } = pair();
    const events: CmEvent[] = [];
    const client = cmA.createId((e) => events.push(e));
    client.resolveRoute({ ip: '10.0.0.2', port: 4242 });
    client.createQp(a.allocPd(), qpOptions);
    client.connect({});
    scheduler.runUntilIdle();
    expect(events.map((e) => [e.type, e.status])).toEqual([
      [CmEventType.REJECTED, CmRejectReason.INVALID_SERVICE_ID],
    ]);
  });

  it('resends a lost REQ after the CM timeout, and gives up with UNREACHABLE after maxCmRetries', () => {
    const { scheduler, wire, a, cmA } = pair();
    wire.drop = () => true;
    const events: CmEvent[] = [];
    const client = cmA.createId((e) => events.push(e));
    client.resolveRoute({ ip: '10.0.0.9', port: 1 });
    client.createQp(a.allocPd(), qpOptions);
    client.connect({});
    scheduler.runUntilIdle();
    // 1 REQ + 15 resends (rdma_cm's CMA_MAX_CM_RETRIES), then UNREACHABLE with ETIMEDOUT.
    expect(wire.mads.filter((m) => m.endsWith('REQ'))).toHaveLength(16);
    expect(cmA.stats.retransmitted).toBe(15);
    expect(events.map((e) => [e.type, e.status])).toEqual([[CmEventType.UNREACHABLE, 'ETIMEDOUT']]);
    expect((client as AgentCmId).state).toBe('unreachable');
  });

  it('a lost RTU is recovered: the passive side resends REP, the active side answers with RTU again', () => {
    const { scheduler, wire, a, b, cmA, cmB } = pair();
    let rtusDropped = 0;
    wire.drop = (type) => type === 'RTU' && rtusDropped++ === 0;
    const serverEvents: CmEvent[] = [];
    const listener = cmB.createId((e) => {
      serverEvents.push(e);
      if (e.type === CmEventType.CONNECT_REQUEST) {
        e.newId!.createQp(b.allocPd(), qpOptions);
        e.newId!.accept({});
      }
    });
    listener.bind({ ip: '10.0.0.2', port: 1 });
    listener.listen();
    const client = cmA.createId(() => {});
    client.resolveRoute({ ip: '10.0.0.2', port: 1 });
    client.createQp(a.allocPd(), qpOptions);
    client.connect({});
    scheduler.runUntilIdle();
    expect(wire.mads.map((m) => m.split(' ')[1])).toEqual(['REQ', 'REP', 'RTU', 'REP', 'RTU']);
    expect(serverEvents.map((e) => e.type)).toEqual([CmEventType.CONNECT_REQUEST, CmEventType.ESTABLISHED]);
    expect(b.qps[0]!.state).toBe(QpState.RTS);
  });

  it('disconnect: DREQ/DREP, both QPs to ERR, DISCONNECTED on both sides; idempotent', () => {
    const { scheduler, wire, a, b, cmA, cmB } = pair();
    const serverEvents: CmEvent[] = [];
    const clientEvents: CmEvent[] = [];
    const listener = cmB.createId((e) => {
      serverEvents.push(e);
      if (e.type === CmEventType.CONNECT_REQUEST) {
        e.newId!.createQp(b.allocPd(), qpOptions);
        e.newId!.accept({});
      }
    });
    listener.bind({ ip: '10.0.0.2', port: 1 });
    listener.listen();
    const client = cmA.createId((e) => clientEvents.push(e));
    client.resolveRoute({ ip: '10.0.0.2', port: 1 });
    client.createQp(a.allocPd(), qpOptions);
    client.connect({});
    scheduler.runUntilIdle();
    client.disconnect();
    client.disconnect();
    expect(a.qps[0]!.state).toBe(QpState.ERR);
    scheduler.runUntilIdle();
    expect(wire.mads.slice(3).map((m) => m.split(' ')[1])).toEqual(['DREQ', 'DREP']);
    expect(b.qps[0]!.state).toBe(QpState.ERR);
    expect(clientEvents.map((e) => e.type)).toEqual([CmEventType.ESTABLISHED, CmEventType.DISCONNECTED]);
    expect(serverEvents.map((e) => e.type)).toEqual([
      CmEventType.CONNECT_REQUEST,
      CmEventType.ESTABLISHED,
      CmEventType.DISCONNECTED,
    ]);
  });

  it('refuses misuse with VerbsError codes', () => {
    const { a, cmA, cmB } = pair();
    const id = cmA.createId(() => {});
    expect(() => id.connect({})).toThrow(/EINVAL/);
    expect(() => id.bind({ ip: '10.9.9.9', port: 1 })).toThrow(/ENODEV/);
    id.resolveRoute({ ip: '10.0.0.2', port: 1 });
    expect(() => id.connect({})).toThrow(/createQp/);
    id.createQp(a.allocPd(), qpOptions);
    expect(() => id.connect({ privateData: new Uint8Array(57) })).toThrow(/at most 56/);
    expect(() => id.connect({ retryCount: 8 })).toThrow(/retryCount=8/);
    const l1 = cmB.createId(() => {});
    l1.bind({ ip: '10.0.0.2', port: 5 });
    const l2 = cmB.createId(() => {});
    expect(() => l2.bind({ ip: '0.0.0.0', port: 5 })).toThrow(/EADDRINUSE/);
    expect(() => l2.accept({})).toThrow(/not a CONNECT_REQUEST/);
  });
});
