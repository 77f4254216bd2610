import { describe, expect, it } from 'vitest';
import {
  ackSyndrome,
  decodeUdpPayload,
  encodeFrame,
  encodeUdpPayload,
  type IpInfo,
  makeBth,
  nakSyndrome,
  Opcode,
  RoceEncodeError,
  type RocePacket,
  rnrNakSyndrome,
  rxeUdpSourcePort,
  udpPayloadLength,
} from '../src/index.js';

const ip: IpInfo = { src: '10.0.0.1', dst: '10.0.0.2', srcPort: rxeUdpSourcePort(17) };

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

describe('encodeUdpPayload', () => {
  it('is exactly the BTH..ICRC part of the frame rxe would send', () => {
    const packet: RocePacket = {
      bth: makeBth({ opcode: Opcode.RC_RDMA_WRITE_FIRST, destQp: 0x123456, psn: 0xfffffe }),
      reth: { va: 0x1122334455667788n, rkey: 0xdeadbeef, dmaLength: 8192 },
      payload: new Uint8Array(1024).fill(7),
    };
    const payload = encodeUdpPayload(packet, ip);
    const frame = encodeFrame({
      srcMac: '02:00:00:00:00:01',
      dstMac: '02:00:00:00:00:02',
      srcIp: '10.0.0.1',
      dstIp: '10.0.0.2',
      srcQpn: 17,
      packet,
    });
    expect(hex(payload)).toBe(hex(frame.subarray(42)));
    expect(payload.length).toBe(udpPayloadLength(packet));
    expect(hex(payload.subarray(12, 28))).toBe('1122334455667788deadbeef00002000');
  });

  it('encodes AETH as syndrome + 24-bit MSN and ImmDt / IETH / DETH at their positions', () => {
    const ack = encodeUdpPayload(
      {
        bth: makeBth({ opcode: Opcode.RC_ACKNOWLEDGE, destQp: 5, psn: 9 }),
        aeth: { syndrome: ackSyndrome(), msn: 0x010203 },
        payload: new Uint8Array(),
      },
      ip,
    );
    expect(hex(ack.subarray(0, 16))).toBe('1100ffff0000000500000009' + '1f010203');
    const inv = encodeUdpPayload(
      {
        bth: makeBth({ opcode: Opcode.RC_SEND_ONLY_WITH_INVALIDATE, destQp: 5, psn: 9 }),
        ieth: 0xcafe0001,
        payload: new Uint8Array([1, 2, 3, 4]),
      },
      ip,
    );
    expect(hex(inv.subarray(12, 20))).toBe('cafe000101020304');
    const ud = encodeUdpPayload(
      {
        bth: makeBth({ opcode: Opcode.UD_SEND_ONLY_WITH_IMMEDIATE, destQp: 1, psn: 0 }),
        deth: { qkey: 0x80010000, srcQp: 0xabcdef },
        immDt: 0x01020304,
        payload: new Uint8Array(),
      },
      ip,
    );
    expect(hex(ud.subarray(12, 24))).toBe('8001000000abcdef01020304');
  });

  it('rejects a payload on a no-payload opcode, an oversized payload and out-of-range fields', () => {
    const readReq: RocePacket = {
      bth: makeBth({ opcode: Opcode.RC_RDMA_READ_REQUEST, destQp: 5, psn: 9 }),
      reth: { va: 0n, rkey: 1, dmaLength: 4 },
      payload: new Uint8Array(4),
    };
    expect(() => encodeUdpPayload(readReq, ip)).toThrow(/EINVAL: payload/);
    const big: RocePacket = { bth: makeBth({ opcode: 4, destQp: 5, psn: 9 }), payload: new Uint8Array(4097) };
    expect(() => encodeUdpPayload(big, ip)).toThrow(
      expect.objectContaining({ code: 'EMSGSIZE', field: 'payload' }),
    );
    const badPsn: RocePacket = {
      bth: makeBth({ opcode: 4, destQp: 5, psn: 1 << 24 }),
      payload: new Uint8Array(),
    };
    expect(() => encodeUdpPayload(badPsn, ip)).toThrow(RoceEncodeError);
    expect(() => encodeUdpPayload(badPsn, ip)).toThrow(/bth\.psn/);
    const badVa: RocePacket = {
      ...readReq,
      payload: new Uint8Array(),
      reth: { va: 1n << 64n, rkey: 1, dmaLength: 4 },
    };
    expect(() => encodeUdpPayload(badVa, ip)).toThrow(/reth\.va/);
    const unknown: RocePacket = {
      bth: makeBth({ opcode: 0x15, destQp: 5, psn: 9 }),
      payload: new Uint8Array(),
    };
    expect(() => encodeUdpPayload(unknown, ip)).toThrow(/bth\.opcode/);
  });
});

describe('decodeUdpPayload', () => {
  const send: RocePacket = {
    bth: makeBth({ opcode: Opcode.RC_SEND_ONLY, destQp: 0x12, psn: 7, ackReq: true }),
    payload: new Uint8Array([1, 2, 3, 4, 5, 6]),
  };
  const good = encodeUdpPayload(send, ip);

  it('round-trips and reports the verified ICRC', () => {
    const result = decodeUdpPayload(good, { ip });
    expect(result).toMatchObject({ ok: true, value: { icrcVerified: true } });
    expect(result.ok && [...result.value.packet.payload]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('verifies the ICRC against the IP header: a different source address or IP ID fails', () => {
    expect(decodeUdpPayload(good, { ip: { ...ip, src: '10.0.0.9' } })).toMatchObject({ reason: 'BAD_ICRC' });
    expect(decodeUdpPayload(good, { ip: { ...ip, identification: 5 } })).toMatchObject({
      reason: 'BAD_ICRC',
    });
    expect(decodeUdpPayload(good, { ip: { ...ip, ttl: 1, tos: 0xb8 } })).toMatchObject({ ok: true });
    expect(decodeUdpPayload(good, { verifyIcrc: false })).toMatchObject({
      ok: true,
      value: { icrcVerified: false },
    });
  });

  it('handles IPv6 endpoints, masking traffic class, flow label and hop limit', () => {
    const v6: IpInfo = { version: 6, src: 'fe80::1', dst: '::ffff:10.0.0.2', srcPort: 0xc123 };
    const bytes = encodeUdpPayload(send, v6);
    expect(
      decodeUdpPayload(bytes, { ip: { ...v6, trafficClass: 0xff, flowLabel: 0xabcde, hopLimit: 3 } }),
    ).toMatchObject({ ok: true });
    expect(decodeUdpPayload(bytes, { ip: { ...v6, src: 'fe80::2' } })).toMatchObject({ reason: 'BAD_ICRC' });
    expect(decodeUdpPayload(bytes, { ip })).toMatchObject({ reason: 'BAD_ICRC' });
  });

  const withByte = (index: number, value: number, from = good) => {
    const copy = from.slice();
    copy[index] = value;
    return copy;
  };

  it.each([
    ['TRUNCATED', good.subarray(0, 15), 15],
    ['BAD_TVER', withByte(1, 0x21), 1],
    ['BAD_OPCODE', withByte(0, 0x15), 0],
    ['BAD_OPCODE', withByte(0, 0x24), 0],
    [
      'BAD_PAD',
      withByte(1, 0x00 | (3 << 4), encodeUdpPayload({ ...send, payload: new Uint8Array() }, ip)),
      1,
    ],
    ['LENGTH_MISMATCH', good.subarray(0, good.length - 1), 12],
  ] as const)('reports %s at byte %i', (reason, bytes, offset) => {
    expect(decodeUdpPayload(bytes, { verifyIcrc: false })).toMatchObject({ ok: false, reason, offset });
  });

  it('reports PadCnt on a no-payload opcode as BAD_PAD and extra bytes after an ACK as LENGTH_MISMATCH', () => {
    const ack = encodeUdpPayload(
      {
        bth: makeBth({ opcode: Opcode.RC_ACKNOWLEDGE, destQp: 5, psn: 9 }),
        aeth: { syndrome: nakSyndrome('PSN_SEQUENCE_ERROR'), msn: 0 },
        payload: new Uint8Array(),
      },
      ip,
    );
    expect(decodeUdpPayload(withByte(1, 0x10, ack), { verifyIcrc: false })).toMatchObject({
      reason: 'BAD_PAD',
      offset: 1,
    });
    const longer = new Uint8Array(ack.length + 4);
    longer.set(ack);
    expect(decodeUdpPayload(longer, { verifyIcrc: false })).toMatchObject({
      reason: 'LENGTH_MISMATCH',
      offset: 16,
    });
    expect(decodeUdpPayload(ack.subarray(0, 14), { verifyIcrc: false })).toMatchObject({
      reason: 'TRUNCATED',
    });
  });

  it('decodes RNR NAK and NAK syndromes as sent', () => {
    const rnr = encodeUdpPayload(
      {
        bth: makeBth({ opcode: Opcode.RC_ACKNOWLEDGE, destQp: 5, psn: 9 }),
        aeth: { syndrome: rnrNakSyndrome(14), msn: 3 },
        payload: new Uint8Array(),
      },
      ip,
    );
    expect(decodeUdpPayload(rnr, { ip })).toMatchObject({
      ok: true,
      value: { packet: { aeth: { syndrome: 0x2e, msn: 3 } } },
    });
  });
});
