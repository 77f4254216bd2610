import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeCmMad,
  decodeFrame,
  decodeUdpPayload,
  encodeFrame,
  encodeUdpPayload,
  type IpInfo,
  readPcap,
} from '../src/index.js';
import { arbitraryIpv4, arbitraryMac, arbitraryPacket, comparable } from './arbitraries.js';

const ip: IpInfo = { src: '192.168.1.1', dst: '192.168.1.2', srcPort: 0xc001 };
const KNOWN_REASONS = new Set([
  'TRUNCATED',
  'BAD_OPCODE',
  'BAD_PAD',
  'BAD_ICRC',
  'BAD_TVER',
  'LENGTH_MISMATCH',
  'BAD_ETHERTYPE',
  'BAD_IP_HEADER',
  'BAD_IP_CHECKSUM',
  'IP_FRAGMENT',
  'NOT_UDP',
  'NOT_ROCE_PORT',
  'BAD_UDP_CHECKSUM',
]);

describe('round trips', () => {
  it('decodeUdpPayload(encodeUdpPayload(p)) gives p back for every opcode', () => {
    fc.assert(
      fc.property(arbitraryPacket, (packet) => {
        const result = decodeUdpPayload(encodeUdpPayload(packet, ip), { ip });
        expect(result.ok).toBe(true);
        if (result.ok) expect(comparable(result.value.packet)).toEqual(comparable(packet));
      }),
      { numRuns: 400 },
    );
  });

  it('decodeFrame(encodeFrame(p)) gives p and the addresses back', () => {
    fc.assert(
      fc.property(
        arbitraryPacket,
        arbitraryMac,
        arbitraryMac,
        arbitraryIpv4,
        arbitraryIpv4,
        fc.integer({ min: 0, max: 0xffffff }),
        (packet, srcMac, dstMac, srcIp, dstIp, srcQpn) => {
          const result = decodeFrame(encodeFrame({ srcMac, dstMac, srcIp, dstIp, srcQpn, packet }));
          expect(result.ok).toBe(true);
          if (!result.ok) return;
          expect(comparable(result.value.packet)).toEqual(comparable(packet));
          expect([
            result.value.srcMac,
            result.value.dstMac,
            result.value.ip.src,
            result.value.ip.dst,
          ]).toEqual([srcMac, dstMac, srcIp, dstIp]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('receive paths never throw', () => {
  const check = (run: () => { ok: boolean; reason?: string }) => {
    const result = run();
    if (!result.ok) expect(KNOWN_REASONS.has(result.reason!)).toBe(true);
  };

  it('on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        check(() => decodeUdpPayload(bytes, { ip }));
        check(() => decodeUdpPayload(bytes, { verifyIcrc: false }));
        check(() => decodeFrame(bytes));
        expect(() => decodeCmMad(bytes)).not.toThrow();
        expect(() => readPcap(bytes)).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });

  it('on valid packets and frames with bytes flipped, cut or extended', () => {
    const mutation = fc.record({
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
      cut: fc.nat(),
      extra: fc.uint8Array({ maxLength: 8 }),
    });
    fc.assert(
      fc.property(arbitraryPacket, mutation, fc.boolean(), (packet, m, asFrame) => {
        const clean = asFrame
          ? encodeFrame({
              srcMac: '02:00:00:00:00:01',
              dstMac: '02:00:00:00:00:02',
              srcIp: '10.0.0.1',
              dstIp: '10.0.0.2',
              srcQpn: 3,
              packet,
            })
          : encodeUdpPayload(packet, ip);
        const bytes = new Uint8Array(clean.length + m.extra.length);
        bytes.set(clean);
        bytes.set(m.extra, clean.length);
        for (const [at, x] of m.flips) bytes[at % bytes.length] ^= x;
        const cut = bytes.subarray(0, bytes.length - (m.cut % (bytes.length + 1)));
        check(() => (asFrame ? decodeFrame(cut) : decodeUdpPayload(cut, { ip })));
        check(() => decodeUdpPayload(cut, { verifyIcrc: false }));
      }),
      { numRuns: 1000 },
    );
  });

  it('detects any single flipped bit in the transport part as BAD_ICRC or a structural error', () => {
    fc.assert(
      fc.property(arbitraryPacket, fc.nat(), fc.integer({ min: 0, max: 7 }), (packet, at, bit) => {
        const bytes = encodeUdpPayload(packet, ip);
        const index = at % bytes.length;
        // Byte 4 of the BTH (FECN/BECN/resv6) is masked out of the ICRC by design.
        fc.pre(index !== 4);
        bytes[index] ^= 1 << bit;
        expect(decodeUdpPayload(bytes, { ip }).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
