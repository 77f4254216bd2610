import { makeBth, Opcode, type PacketRoute, type RocePacket } from '@rdmalab/roce';
import { describe, expect, it } from 'vitest';
import { SimFabric } from '../src/fabric/sim-fabric.js';

/** Two hosts whose device links are driven directly: what arrives, and when. */
function fabricWith(options: ConstructorParameters<typeof SimFabric>[0] = {}) {
  const fabric = new SimFabric({ seed: 9, link: { latencyNs: 1000, bandwidthGbps: 8 }, ...options });
  const a = fabric.addHost('a', { ip: '10.0.0.1' });
  const b = fabric.addHost('b', { ip: '10.0.0.2' });
  const arrivals: { psn: number; at: number }[] = [];
  // Replace the device's receive path with a recorder (the device re-attaches nothing after this).
  b.link.attach((packet) => arrivals.push({ psn: packet.bth.psn, at: fabric.scheduler.now() }));
  const route: PacketRoute = { srcIp: a.ip, dstIp: b.ip, srcQpn: 17 };
  const send = (psn: number, bytes = 88): void =>
    a.link.transmit(
      {
        bth: makeBth({ opcode: Opcode.RC_SEND_ONLY, destQp: 18, psn }),
        payload: new Uint8Array(bytes),
      } as RocePacket,
      route,
    );
  return { fabric, a, b, arrivals, send };
}

describe('the simulated switch', () => {
  it('adds serialization per port and latency per link', () => {
    const { fabric, arrivals, send } = fabricWith();
    send(1); // 88 B payload + 12 BTH + 4 ICRC + 42 Eth/IP/UDP = 146 B = 146 ns at 8 Gb/s, twice, + 2 × 1000 ns
    send(2);
    fabric.run();
    expect(arrivals).toEqual([
      { psn: 1, at: 2292 },
      { psn: 2, at: 2438 },
    ]);
  });

  it('drops frames above the link MTU', () => {
    const { fabric, arrivals, send } = fabricWith({ link: { mtu: 1500 } });
    send(1, 1024);
    send(2, 1500);
    fabric.run();
    expect(arrivals.map((x) => x.psn)).toEqual([1]);
    expect(fabric.stats.oversize).toBe(1);
  });

  it('delay, duplicate and reorder act on the matching packets only', () => {
    const { fabric, arrivals, send } = fabricWith({
      faults: {
        rules: [
          { match: { psn: 1 }, action: { type: 'reorder', after: 2 } },
          { match: { psn: 2 }, action: { type: 'duplicate', copies: 1, gapNs: 50 } },
          { match: { psn: 4 }, action: { type: 'delay', ns: 10_000 } },
        ],
      },
    });
    for (let psn = 1; psn <= 5; psn++) send(psn);
    fabric.run();
    expect(arrivals.map((x) => x.psn)).toEqual([2, 2, 3, 1, 5, 4]);
    expect(fabric.tap!.records.map((r) => r.fate)).toEqual([
      'reordered',
      'duplicated',
      'delivered',
      'delayed',
      'delivered',
    ]);
  });

  it('a reordered packet with too few followers is released after maxHoldNs, not lost', () => {
    const { fabric, arrivals, send } = fabricWith({
      faults: { rules: [{ match: {}, action: { type: 'reorder', after: 5, maxHoldNs: 40_000 } }] },
    });
    send(1);
    fabric.run();
    expect(arrivals).toEqual([{ psn: 1, at: 40_000 }]);
  });

  it('a partition window cuts the link only while it lasts; the plan is checked for unknown hosts', () => {
    const { fabric, arrivals, send } = fabricWith({
      faults: { partitions: [{ between: ['a', 'b'], window: { startNs: 0, endNs: 5000 } }] },
    });
    send(1);
    fabric.runUntil(6000);
    send(2);
    fabric.run();
    expect(arrivals.map((x) => x.psn)).toEqual([2]);
    const bad = new SimFabric({
      faults: { rules: [{ match: { from: 'ghost' }, action: { type: 'drop' } }] },
    });
    expect(() => bad.run()).toThrow(/unknown host\(s\): ghost/);
  });

  it('HCA processing delay postpones what the device does with each received packet', async () => {
    const fabric = new SimFabric({ seed: 1, faults: { processingDelay: [{ host: 'b', rxNs: 100_000 }] } });
    const a = fabric.addHost('a', { ip: '10.0.0.1' });
    const b = fabric.addHost('b', { ip: '10.0.0.2' });
    expect(b.processingDelay.rxNs).toBe(100_000);
    // A CM REQ with no listener: the REJ can leave b only after b has processed the REQ.
    const id = a.cm.createId(() => {});
    id.resolveRoute({ ip: '10.0.0.2', port: 1 });
    const pd = a.device.allocPd();
    const cq = a.device.createCq({ capacity: 4, mode: 'poll' });
    id.createQp(pd, {
      type: 'RC',
      sendCq: cq,
      recvCq: cq,
      cap: { maxSendWr: 1, maxRecvWr: 1, maxSendSge: 1, maxRecvSge: 1, maxInlineData: 0 },
    });
    id.connect({});
    fabric.run();
    const [req, rej] = fabric.tap!.records;
    expect(rej!.timeNs - req!.timeNs).toBeGreaterThanOrEqual(100_000);
  });
});
