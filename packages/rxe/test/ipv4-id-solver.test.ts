import { encodeUdpPayload, makeBth, Opcode, type RocePacket } from '@rdmalab/roce';
import { describe, expect, it } from 'vitest';
import { IcrcCheck } from '../src/link/icrc-check.js';

function sendOnly(payloadBytes: number, fill: number): RocePacket {
  return {
    bth: makeBth({ opcode: Opcode.RC_SEND_ONLY, destQp: 0x11, psn: 0x123456, ackReq: true }),
    payload: new Uint8Array(payloadBytes).fill(fill),
  };
}

const SRC = '10.1.2.3';
const DST = '10.1.2.4';

describe('ICRC checked modulo the IPv4 Identification', () => {
  it.each([0x0001, 0x00ff, 0x1234, 0xcbbc, 0xffff])(
    'finds ID 0x%s the sender computed the ICRC with',
    (id) => {
      const check = new IcrcCheck('any-ip-id', DST);
      for (const size of [0, 3, 1024, 4096]) {
        const bytes = encodeUdpPayload(sendOnly(size, size & 0xff), {
          src: SRC,
          dst: DST,
          srcPort: 4791,
          identification: id,
        });
        expect(check.verify(bytes, SRC, 4791), `payload ${size}`).toBe(id);
      }
    },
  );

  it('ID 0 verifies directly; the zero-ip-id policy rejects any other ID', () => {
    const zero = encodeUdpPayload(sendOnly(100, 1), { src: SRC, dst: DST, srcPort: 4791 });
    const other = encodeUdpPayload(sendOnly(100, 1), {
      src: SRC,
      dst: DST,
      srcPort: 4791,
      identification: 7,
    });
    const strict = new IcrcCheck('zero-ip-id', DST);
    expect(strict.verify(zero, SRC, 4791)).toBe(0);
    expect(strict.verify(other, SRC, 4791)).toBe(false);
    expect(new IcrcCheck('off', DST).verify(other, SRC, 4791)).toBeUndefined();
  });

  it('a corrupted byte, a wrong source port or a wrong source address is not explained by any ID', () => {
    const check = new IcrcCheck('any-ip-id', DST);
    const good = encodeUdpPayload(sendOnly(1000, 9), {
      src: SRC,
      dst: DST,
      srcPort: 4791,
      identification: 0x4242,
    });
    for (const at of [0, 5, 12, 500, good.length - 5, good.length - 1]) {
      const bad = good.slice();
      bad[at]! ^= 0x10;
      expect(check.verify(bad, SRC, 4791), `byte ${at} flipped`).toBe(false);
    }
    expect(check.verify(good, SRC, 4792)).toBe(false);
    expect(check.verify(good, '10.1.2.5', 4791)).toBe(false);
    expect(check.verify(good, SRC, 4791)).toBe(0x4242);
  });
});
