import { describe, expect, it } from 'vitest';
import {
  ackSyndrome,
  decodeFrame,
  encodeFrame,
  makeBth,
  Opcode,
  type RocePacket,
  rxeUdpSourcePort,
} from '../src/index.js';
import { CONNECTX4_CNP_FRAME } from './fixtures/connectx4-cnp.js';

const sendOnly: RocePacket = {
  bth: makeBth({ opcode: Opcode.RC_SEND_ONLY, destQp: 0x12, psn: 0x100, ackReq: true }),
  payload: new TextEncoder().encode('hello'),
};
const endpoints = {
  srcMac: '02:00:00:00:00:01',
  dstMac: '02:00:00:00:00:02',
  srcIp: '10.0.0.1',
  dstIp: '10.0.0.2',
  srcQpn: 17,
};

describe('decodeFrame on real hardware', () => {
  it('decodes the ConnectX-4 Lx CNP and verifies its ICRC', () => {
    const result = decodeFrame(CONNECTX4_CNP_FRAME);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const f = result.value;
    expect(f).toMatchObject({
      dstMac: 'e4:1d:2d:ab:2b:c2',
      srcMac: '7c:fe:90:64:3b:32',
      ip: {
        src: '10.0.17.1',
        dst: '10.0.18.1',
        tos: 0xc2,
        ttl: 64,
        identification: 0x718c,
        dontFragment: true,
      },
      udp: { srcPort: 0, dstPort: 4791 },
      icrc: 0x2a00fd82,
      icrcVerified: true,
    });
    expect(f.packet.bth).toMatchObject({
      opcode: 0x81,
      becn: true,
      fecn: false,
      destQp: 0x118,
      psn: 0,
      pkey: 0xffff,
    });
    expect(f.packet.payload).toHaveLength(0);
  });

  it('re-encodes the same CNP from structured fields byte for byte, ICRC included', () => {
    const decoded = decodeFrame(CONNECTX4_CNP_FRAME);
    if (!decoded.ok) throw new Error(decoded.detail);
    const f = decoded.value;
    const bytes = encodeFrame({
      srcMac: f.srcMac,
      dstMac: f.dstMac,
      srcIp: f.ip.src,
      dstIp: f.ip.dst,
      srcQpn: 0,
      srcPort: f.udp.srcPort,
      identification: f.ip.identification,
      tos: f.ip.tos,
      ttl: f.ip.ttl,
      packet: {
        bth: makeBth({ opcode: Opcode.CNP, destQp: 0x118, psn: 0, becn: true }),
        payload: new Uint8Array(),
      },
    });
    expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(CONNECTX4_CNP_FRAME).toString('hex'));
  });
});

describe('encodeFrame', () => {
  const frame = encodeFrame({ ...endpoints, packet: sendOnly });
  const view = new DataView(frame.buffer);

  it('builds Ethernet/IPv4/UDP as rxe: DF, valid IP checksum, UDP checksum 0, dport 4791, per-QP sport', () => {
    expect(frame).toHaveLength(14 + 20 + 8 + 12 + 8 + 4);
    expect(view.getUint16(12)).toBe(0x0800);
    expect(frame[14]).toBe(0x45);
    expect(view.getUint16(16)).toBe(20 + 8 + 24); // IP total length
    expect(view.getUint16(20)).toBe(0x4000); // DF, no fragment
    expect(frame[23]).toBe(17);
    expect(view.getUint16(34)).toBe(rxeUdpSourcePort(17));
    expect(view.getUint16(36)).toBe(4791);
    expect(view.getUint16(38)).toBe(8 + 24);
    expect(view.getUint16(40)).toBe(0);
    let sum = 0;
    for (let i = 14; i < 34; i += 2) sum += view.getUint16(i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    expect(sum).toBe(0xffff);
  });

  it('writes the BTH fields at their rxe_hdr.h positions with PadCnt derived from the payload', () => {
    expect(Buffer.from(frame.subarray(42, 54)).toString('hex')).toBe('0430ffff0000001280000100');
    expect(Buffer.from(frame.subarray(54, 62)).toString('hex')).toBe('68656c6c6f000000');
  });

  it('round-trips through decodeFrame', () => {
    const result = decodeFrame(frame);
    expect(result.ok && result.value.packet.bth).toMatchObject({
      opcode: 4,
      padCount: 3,
      ackReq: true,
      psn: 0x100,
    });
    expect(result.ok && new TextDecoder().decode(result.value.packet.payload)).toBe('hello');
  });

  it('keeps the ICRC when only masked fields change (TTL, TOS, FECN/BECN) and changes it otherwise', () => {
    const icrcOf = (bytes: Uint8Array) => Buffer.from(bytes.subarray(bytes.length - 4)).toString('hex');
    const base = icrcOf(frame);
    expect(icrcOf(encodeFrame({ ...endpoints, packet: sendOnly, ttl: 1, tos: 0x03 }))).toBe(base);
    const ecn = { ...sendOnly, bth: { ...sendOnly.bth, fecn: true, becn: true } };
    expect(icrcOf(encodeFrame({ ...endpoints, packet: ecn }))).toBe(base);
    expect(icrcOf(encodeFrame({ ...endpoints, packet: sendOnly, identification: 1 }))).not.toBe(base);
    expect(icrcOf(encodeFrame({ ...endpoints, packet: sendOnly, srcQpn: 18 }))).not.toBe(base);
    const nextPsn = { ...sendOnly, bth: { ...sendOnly.bth, psn: 0x101 } };
    expect(icrcOf(encodeFrame({ ...endpoints, packet: nextPsn }))).not.toBe(base);
  });

  it('writes zeros instead of the ICRC on the ICRC-free path, which decode then rejects unless told not to verify', () => {
    const plain = encodeFrame({ ...endpoints, packet: sendOnly }, { icrc: false });
    expect([...plain.subarray(plain.length - 4)]).toEqual([0, 0, 0, 0]);
    expect(decodeFrame(plain)).toMatchObject({ ok: false, reason: 'BAD_ICRC', offset: plain.length - 4 });
    expect(decodeFrame(plain, { verifyIcrc: false })).toMatchObject({
      ok: true,
      value: { icrcVerified: false },
    });
  });

  it('rejects bad addresses and missing headers with a RoceEncodeError naming the field', () => {
    expect(() => encodeFrame({ ...endpoints, srcMac: '02:00', packet: sendOnly })).toThrow(/EINVAL: srcMac/);
    expect(() => encodeFrame({ ...endpoints, dstIp: '10.0.0.256', packet: sendOnly })).toThrow(/EINVAL: dst/);
    const ack = {
      bth: makeBth({ opcode: Opcode.RC_ACKNOWLEDGE, destQp: 1, psn: 0 }),
      payload: new Uint8Array(),
    };
    expect(() => encodeFrame({ ...endpoints, packet: ack })).toThrow(/EINVAL: aeth/);
    const ackWithReth = {
      ...ack,
      aeth: { syndrome: ackSyndrome(), msn: 0 },
      reth: { va: 0n, rkey: 0, dmaLength: 0 },
    };
    expect(() => encodeFrame({ ...endpoints, packet: ackWithReth })).toThrow(/does not carry reth/);
  });
});

describe('decodeFrame failures', () => {
  const good = encodeFrame({ ...endpoints, packet: sendOnly });
  const mutate = (f: (b: Uint8Array) => void): Uint8Array => {
    const copy = good.slice();
    f(copy);
    return copy;
  };

  it.each([
    ['TRUNCATED', good.subarray(0, 10), 10],
    ['BAD_ETHERTYPE', mutate((b) => (b[12] = 0x86)), 12],
    ['BAD_IP_HEADER', mutate((b) => (b[14] = 0x46)), 14],
    ['BAD_IP_CHECKSUM', mutate((b) => (b[22] = 1)), 24],
    ['TRUNCATED', good.subarray(0, good.length - 2), good.length - 2],
    ['NOT_ROCE_PORT', mutate((b) => (b[37] = 0xb8)), 36],
  ] as const)('reports %s at byte %i', (reason, bytes, offset) => {
    expect(decodeFrame(bytes)).toMatchObject({ ok: false, reason, offset });
  });

  it('reports a wrong UDP length as LENGTH_MISMATCH and a non-UDP protocol as NOT_UDP', () => {
    const fixIpChecksum = (b: Uint8Array) => {
      const v = new DataView(b.buffer);
      v.setUint16(24, 0);
      let sum = 0;
      for (let i = 14; i < 34; i += 2) sum += v.getUint16(i);
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      v.setUint16(24, ~sum & 0xffff);
    };
    expect(decodeFrame(mutate((b) => (b[39] -= 4)))).toMatchObject({ reason: 'LENGTH_MISMATCH', offset: 38 });
    expect(
      decodeFrame(
        mutate((b) => {
          b[23] = 6;
          fixIpChecksum(b);
        }),
      ),
    ).toMatchObject({ reason: 'NOT_UDP', offset: 23 });
    expect(
      decodeFrame(
        mutate((b) => {
          b[20] = 0x20; // MF
          fixIpChecksum(b);
        }),
      ),
    ).toMatchObject({ reason: 'IP_FRAGMENT', offset: 20 });
  });

  it('verifies a non-zero UDP checksum', () => {
    expect(decodeFrame(mutate((b) => (b[41] = 1)))).toMatchObject({ ok: false, reason: 'BAD_UDP_CHECKSUM' });
  });

  it('reports a corrupted payload byte as BAD_ICRC at the ICRC offset', () => {
    expect(decodeFrame(mutate((b) => (b[55] ^= 1)))).toMatchObject({
      ok: false,
      reason: 'BAD_ICRC',
      offset: good.length - 4,
    });
  });

  it('accepts an 802.1Q-tagged frame and ignores Ethernet trailer padding', () => {
    const tagged = new Uint8Array(good.length + 4 + 6);
    tagged.set(good.subarray(0, 12), 0);
    tagged.set([0x81, 0x00, 0x00, 0x2a], 12);
    tagged.set(good.subarray(12), 16);
    const result = decodeFrame(tagged);
    expect(result).toMatchObject({ ok: true, value: { vlanId: 42 } });
  });
});
