import { createRandom } from '@rdmalab/kernel';
import { AethSyndrome, makeBth, Opcode, type PacketRoute, type RocePacket } from '@rdmalab/roce';
import { describe, expect, it } from 'vitest';
import { SimError } from '../src/errors.js';
import { FaultInjector } from '../src/fault/fault-injector.js';
import { classifyPacket } from '../src/fault/packet-class.js';

const hosts = new Map([
  ['client', '10.0.0.1'],
  ['server', '10.0.0.2'],
]);
const resolve = (ref: string): string | undefined =>
  hosts.get(ref) ?? (/^\d+\.\d+\.\d+\.\d+$/.test(ref) ? ref : undefined);
const toServer: PacketRoute = { srcIp: '10.0.0.1', dstIp: '10.0.0.2', srcQpn: 17 };
const toClient: PacketRoute = { srcIp: '10.0.0.2', dstIp: '10.0.0.1', srcQpn: 18 };

function send(psn: number): RocePacket {
  return {
    bth: makeBth({ opcode: Opcode.RC_SEND_ONLY, destQp: 18, psn, ackReq: true }),
    payload: new Uint8Array(8),
  };
}
function ack(psn: number, syndrome: number = AethSyndrome.ACK_UNLIMITED): RocePacket {
  return {
    bth: makeBth({ opcode: Opcode.RC_ACKNOWLEDGE, destQp: 17, psn }),
    aeth: { syndrome, msn: 1 },
    payload: new Uint8Array(0),
  };
}

function injector(): FaultInjector {
  return new FaultInjector(createRandom(7), resolve);
}

describe('packet classes', () => {
  it('tells requests, ACKs, NAKs, RNR NAKs and CM MADs apart', () => {
    expect(classifyPacket(send(1))).toBe('request');
    expect(classifyPacket(ack(1))).toBe('ack');
    expect(classifyPacket(ack(1, AethSyndrome.NAK_PSN_SEQUENCE_ERROR))).toBe('nak');
    expect(classifyPacket(ack(1, 0x20 | 12))).toBe('nak');
    const mad: RocePacket = {
      bth: makeBth({ opcode: Opcode.UD_SEND_ONLY, destQp: 1, psn: 0 }),
      deth: { qkey: 0x80010000, srcQp: 1 },
      payload: new Uint8Array(256),
    };
    expect(classifyPacket(mad)).toBe('cm');
  });
});

describe('FaultInjector', () => {
  it('drops only the nth..nth+count-1 matching packets of the named direction and class', () => {
    const f = injector();
    f.addRule({ match: { from: 'server', class: 'ack' }, action: { type: 'drop' }, nth: 2, count: 2 });
    const fates = [1, 2, 3, 4, 5].map((psn) => f.decide(ack(psn), toClient, 0).kind);
    expect(fates).toEqual(['pass', 'drop', 'drop', 'pass', 'pass']);
    // Requests the other way are untouched.
    expect(f.decide(send(1), toServer, 0).kind).toBe('pass');
    expect(f.stats()).toEqual([{ name: 'rule-0', matches: 5, fired: 2 }]);
  });

  it('matches PSN ranges across the 24-bit wrap and QPs on either end', () => {
    const f = injector();
    f.addRule({ match: { psn: { first: 0xfffffe, last: 1 }, qp: 18 }, action: { type: 'delay', ns: 500 } });
    expect(f.decide(send(0xfffffd), toServer, 0).kind).toBe('pass');
    expect(f.decide(send(0xffffff), toServer, 0)).toMatchObject({ kind: 'delay', ns: 500 });
    expect(f.decide(send(1), toServer, 0).kind).toBe('delay');
    expect(f.decide(send(2), toServer, 0).kind).toBe('pass');
  });

  it('honours time windows and the first rule that fires wins', () => {
    const f = injector();
    f.addRule({ name: 'late', match: { window: { startNs: 1000, endNs: 2000 } }, action: { type: 'drop' } });
    f.addRule({ name: 'dup', match: {}, action: { type: 'duplicate', copies: 2, gapNs: 10 } });
    expect(f.decide(send(1), toServer, 999)).toMatchObject({ kind: 'duplicate', copies: 2, gapNs: 10 });
    expect(f.decide(send(2), toServer, 1000)).toMatchObject({ kind: 'drop', rule: 'late' });
    expect(f.decide(send(3), toServer, 2000).kind).toBe('duplicate');
  });

  it('draws probabilities from the seed: same seed, same fates; removing a rule stops it', () => {
    const run = (): string[] => {
      const f = injector();
      f.addRule({ match: { class: 'request' }, action: { type: 'reorder', after: 2 }, probability: 0.3 });
      return Array.from({ length: 64 }, (_, i) => f.decide(send(i), toServer, i).kind);
    };
    const a = run();
    expect(a).toEqual(run());
    const fired = a.filter((k) => k === 'reorder').length;
    expect(fired).toBeGreaterThan(5);
    expect(fired).toBeLessThan(40);
    const f = injector();
    const remove = f.addRule({ match: {}, action: { type: 'drop' } });
    remove();
    expect(f.decide(send(1), toServer, 0).kind).toBe('pass');
  });

  it('partitions cut both directions only inside the window', () => {
    const f = injector();
    f.addPartition({ between: ['client', 'server'], window: { startNs: 100, endNs: 200 } });
    expect(f.partitioned('10.0.0.1', '10.0.0.2', 99)).toBe(false);
    expect(f.partitioned('10.0.0.1', '10.0.0.2', 100)).toBe(true);
    expect(f.partitioned('10.0.0.2', '10.0.0.1', 199)).toBe(true);
    expect(f.partitioned('10.0.0.2', '10.0.0.1', 200)).toBe(false);
  });

  it('ackLoss drops positive ACKs but not NAKs', () => {
    const f = injector();
    f.addAckLoss({ from: 'server' });
    expect(f.decide(ack(1), toClient, 0).kind).toBe('drop');
    expect(f.decide(ack(1, AethSyndrome.NAK_PSN_SEQUENCE_ERROR), toClient, 0).kind).toBe('pass');
  });

  it('rejects malformed rules with EINVAL naming the field, and lists unknown hosts', () => {
    const f = injector();
    expect(() => f.addRule({ match: { class: 'acks' as 'ack' }, action: { type: 'drop' } })).toThrow(
      /rules\[rule-0\]\.match\.class "acks"/,
    );
    expect(() => f.addRule({ match: {}, action: { type: 'delay', ns: -1 } })).toThrow(SimError);
    expect(() => f.addRule({ match: {}, action: { type: 'drop' }, probability: 2 })).toThrow(/probability/);
    expect(() => f.addRule({ match: { psn: 1 << 24 }, action: { type: 'drop' } })).toThrow(/psn\.first/);
    expect(() => f.addRule({ match: {}, action: { type: 'reorder', after: 0 } })).toThrow(/after/);
    f.addRule({ match: { from: 'nobody' }, action: { type: 'drop' } });
    expect(f.unresolvedHosts()).toEqual(['nobody']);
  });
});
