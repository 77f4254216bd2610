import { describe, expect, it } from 'vitest';
import {
  type CmMessage,
  CmRejectReason,
  cmMadFromPacket,
  cmMadPacket,
  decodeCmaReqPrivateData,
  decodeCmMad,
  decodeUdpPayload,
  encodeCmaReqPrivateData,
  encodeCmMad,
  encodeUdpPayload,
  makeBth,
  Opcode,
  parseIpServiceId,
  RdmaPortSpace,
} from '../src/index.js';
import { NO_PATH, REP, REQ, RPCRDMA_CONNECT_PRIVATE } from './cm-fixtures.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const TID = 0x0000_0001_8a3c_21f0n;

describe('CM MAD layout (ibta_vol1_c12.h offsets + 24-byte MAD header)', () => {
  const req = encodeCmMad({ transactionId: TID, message: REQ });

  it('writes the MAD header: BaseVersion 1, class CM 0x07, version 2, Send, TID, AttributeID REQ', () => {
    expect(req).toHaveLength(256);
    expect(hex(req.subarray(0, 24))).toBe(
      '01070203' + '00000000' + '000000018a3c21f0' + '0010' + '0000' + '00000000',
    );
  });

  it('places REQ fields at their byte/bit positions', () => {
    const at = (offset: number, length: number) => hex(req.subarray(24 + offset, 24 + offset + length));
    expect(at(0, 4)).toBe('8a3c21f0'); // LocalCommID
    expect(at(8, 8)).toBe('0000000001064e51'); // ServiceID: TCP port space, port 20049
    expect(at(16, 8)).toBe('020000fffe000001'); // Local CA GUID
    expect(at(28, 4)).toBe('80010000'); // Local Q_Key
    expect(at(32, 4)).toBe('00001110'); // Local QPN 0x11, responder resources 16
    expect(at(36, 4)).toBe('00000000'); // Local EECN, initiator depth 0
    expect(at(40, 4)).toBe('000000a0'); // remote CM response timeout 20 << 3, RC, no E2E
    expect(at(44, 4)).toBe('3c5a7ea6'); // starting PSN, local CM timeout 20 << 3 | retry 6
    expect(at(48, 4)).toBe('ffff30f0'); // P_Key, MTU 3 << 4 | RNR retry 0, max CM retries 15 << 4
    expect(at(52, 4)).toBe('ffffffff'); // LIDs
    expect(at(56, 16)).toBe('00000000000000000000ffff0a000001');
    expect(at(72, 16)).toBe('00000000000000000000ffff0a000002');
    expect(at(88, 8)).toBe('0000000300400090'); // flow label, rate 3, TC, hop 64, SL, ACK timeout 18 << 3
    expect(at(96, 44)).toBe('00'.repeat(44)); // no alternate path
    expect(at(140, 4)).toBe('0040a1b2'); // cma_hdr: version 0, IPv4 in bits 7:4, src port
    expect(at(144, 16)).toBe('000000000000000000000000' + '0a000001');
    expect(at(176, 8)).toBe('f6ab0e1801010707'); // ULP private data after the 36-byte cma_hdr
  });

  it('places REP private data at 36 and RTU private data at 8', () => {
    const rep = encodeCmMad({ transactionId: TID, message: REP });
    expect(hex(rep.subarray(16, 18))).toBe('0013');
    expect(hex(rep.subarray(24 + 12, 24 + 16))).toBe('00001200'); // QPN in the top 24 bits of the word
    expect(hex(rep.subarray(24 + 24, 24 + 28))).toBe('001078e0'); // resp res 0, init depth 16, ack delay 15 << 3, RNR 7 << 5
    expect(hex(rep.subarray(24 + 36, 24 + 44))).toBe('f6ab0e1801010707');
    const rtu = encodeCmMad({
      transactionId: TID,
      message: { type: 'RTU', localCommId: 1, remoteCommId: 2, privateData: Uint8Array.of(9) },
    });
    expect(hex(rtu.subarray(16, 18))).toBe('0014');
    expect(hex(rtu.subarray(24, 33))).toBe('000000010000000209');
  });

  it('places REJ reason at 10 and its ARI at 12, DREQ remote QPN at 8', () => {
    const rej = encodeCmMad({
      transactionId: TID,
      message: {
        type: 'REJ',
        localCommId: 0,
        remoteCommId: 7,
        messageRejected: 0,
        rejectedInfoLength: 0,
        reason: CmRejectReason.INVALID_SERVICE_ID,
        additionalRejectInfo: new Uint8Array(),
        privateData: new Uint8Array(),
      },
    });
    expect(hex(rej.subarray(24 + 8, 24 + 12))).toBe('00000008');
    const dreq = encodeCmMad({
      transactionId: TID,
      message: {
        type: 'DREQ',
        localCommId: 1,
        remoteCommId: 2,
        remoteQpn: 0x12,
        privateData: new Uint8Array(),
      },
    });
    expect(hex(dreq.subarray(16, 18))).toBe('0015');
    expect(hex(dreq.subarray(24 + 8, 24 + 12))).toBe('00001200');
  });
});

describe('CM round trips', () => {
  const padded = (m: CmMessage, size: number): CmMessage => {
    const data = new Uint8Array(size);
    data.set(m.privateData);
    return { ...m, privateData: data };
  };
  const messages: [CmMessage, number][] = [
    [REQ, 92],
    [
      {
        ...REQ,
        alternatePath: { ...REQ.primaryPath, localGid: 'fe80::1', subnetLocal: true },
        sapSupported: true,
      },
      92,
    ],
    [REP, 196],
    [{ type: 'RTU', localCommId: 1, remoteCommId: 2, privateData: new Uint8Array() }, 224],
    [
      { type: 'DREQ', localCommId: 1, remoteCommId: 2, remoteQpn: 0xffffff, privateData: Uint8Array.of(1) },
      220,
    ],
    [{ type: 'DREP', localCommId: 3, remoteCommId: 4, privateData: new Uint8Array() }, 224],
    [
      {
        type: 'MRA',
        localCommId: 3,
        remoteCommId: 4,
        messageMraed: 1,
        serviceTimeout: 31,
        privateData: new Uint8Array(),
      },
      222,
    ],
  ];

  it.each(messages)('decodes what it encodes (%#)', (message, privateSize) => {
    const result = decodeCmMad(encodeCmMad({ transactionId: TID, message }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.header.transactionId).toBe(TID);
    expect(result.value.message).toEqual(padded(message, privateSize));
  });

  it('round-trips a REJ with its additional reject info', () => {
    const ari = Uint8Array.from({ length: 72 }, (_, i) => i);
    const rej: CmMessage = {
      type: 'REJ',
      localCommId: 5,
      remoteCommId: 6,
      messageRejected: 1,
      rejectedInfoLength: 72,
      reason: CmRejectReason.CONSUMER_DEFINED,
      additionalRejectInfo: ari,
      privateData: new Uint8Array(148).fill(0xaa),
    };
    expect(decodeCmMad(encodeCmMad({ transactionId: 1n, message: rej }))).toMatchObject({
      ok: true,
      value: { message: rej },
    });
  });
});

describe('CM errors', () => {
  it('rejects oversized private data with EMSGSIZE and bad fields with EINVAL', () => {
    expect(() =>
      encodeCmMad({ transactionId: 1n, message: { ...REQ, privateData: new Uint8Array(93) } }),
    ).toThrow(expect.objectContaining({ code: 'EMSGSIZE', field: 'privateData' }));
    expect(() => encodeCmMad({ transactionId: 1n, message: { ...REQ, localQpn: 1 << 24 } })).toThrow(
      /EINVAL: localQpn/,
    );
    expect(() =>
      encodeCmMad({ transactionId: 1n, message: { ...REQ, primaryPath: { ...NO_PATH, localGid: 'nope' } } }),
    ).toThrow(/primaryPath\.localGid/);
  });

  it('reports wrong length, class, version and attribute without throwing', () => {
    const good = encodeCmMad({ transactionId: TID, message: REP });
    const withByte = (i: number, v: number) => {
      const c = good.slice();
      c[i] = v;
      return c;
    };
    expect(decodeCmMad(good.subarray(0, 200))).toMatchObject({ ok: false, reason: 'TRUNCATED', offset: 200 });
    expect(decodeCmMad(withByte(0, 2))).toMatchObject({ reason: 'BAD_BASE_VERSION', offset: 0 });
    expect(decodeCmMad(withByte(1, 0x03))).toMatchObject({ reason: 'NOT_CM_CLASS', offset: 1 });
    expect(decodeCmMad(withByte(2, 1))).toMatchObject({ reason: 'BAD_CLASS_VERSION', offset: 2 });
    expect(decodeCmMad(withByte(17, 0x19))).toMatchObject({ reason: 'UNKNOWN_ATTRIBUTE', offset: 16 });
  });
});

describe('rdma_cm IP addressing', () => {
  it('builds the TCP port-space service ID 0x0000000001060000 | port and parses it back', () => {
    expect(parseIpServiceId(0x0000000001064e51n)).toEqual({ portSpace: RdmaPortSpace.TCP, port: 20049 });
    expect(parseIpServiceId(0x0200000000000001n)).toBeUndefined();
  });

  it('decodes the cma_hdr and ULP data of a received REQ', () => {
    const decoded = decodeCmMad(encodeCmMad({ transactionId: TID, message: REQ }));
    if (!decoded.ok || decoded.value.message.type !== 'REQ') throw new Error('REQ did not decode');
    const cma = decodeCmaReqPrivateData(decoded.value.message.privateData);
    expect(cma).toMatchObject({
      ok: true,
      value: { header: { ipVersion: 4, srcPort: 0xa1b2, srcAddress: '10.0.0.1', dstAddress: '10.0.0.2' } },
    });
    expect(cma.ok && [...cma.value.ulpPrivateData.subarray(0, 8)]).toEqual([...RPCRDMA_CONNECT_PRIVATE]);
    expect(cma.ok && cma.value.ulpPrivateData.length).toBe(56);
  });

  it('carries IPv6 addresses whole and rejects bad versions and oversize ULP data', () => {
    const v6 = encodeCmaReqPrivateData({
      ipVersion: 6,
      srcPort: 1,
      srcAddress: 'fd00::1',
      dstAddress: 'fd00::2',
    });
    expect(decodeCmaReqPrivateData(v6)).toMatchObject({
      ok: true,
      value: { header: { srcAddress: 'fd00::1' } },
    });
    const bad = v6.slice();
    bad[1] = 0x50;
    expect(decodeCmaReqPrivateData(bad)).toMatchObject({ ok: false, reason: 'BAD_IP_VERSION', offset: 1 });
    expect(() =>
      encodeCmaReqPrivateData(
        { ipVersion: 4, srcPort: 1, srcAddress: '1.2.3.4', dstAddress: '1.2.3.5' },
        new Uint8Array(57),
      ),
    ).toThrow(/EMSGSIZE/);
  });
});

describe('CM MADs on QP1', () => {
  it('travel as UD SEND_ONLY to QP1 with the GSI Q_Key and SrcQP 1, and come back out', () => {
    const packet = cmMadPacket({ transactionId: TID, message: REQ }, 42);
    const bytes = encodeUdpPayload(packet, { src: '10.0.0.1', dst: '10.0.0.2', srcPort: 0xc000 });
    expect(hex(bytes.subarray(0, 20))).toBe('6400ffff000000010000002a' + '8001000000000001');
    expect(bytes).toHaveLength(12 + 8 + 256 + 4);
    const back = decodeUdpPayload(bytes, { verifyIcrc: false });
    if (!back.ok) throw new Error(back.detail);
    expect(cmMadFromPacket(back.value.packet)).toMatchObject({
      ok: true,
      value: { message: { type: 'REQ' } },
    });
  });

  it('refuses packets that are not GSI', () => {
    const rc = {
      bth: makeBth({ opcode: Opcode.RC_SEND_ONLY, destQp: 1, psn: 0 }),
      payload: new Uint8Array(256),
    };
    expect(cmMadFromPacket(rc)).toMatchObject({ ok: false, reason: 'NOT_GSI' });
    const wrongKey = { ...cmMadPacket({ transactionId: 1n, message: REP }, 0), deth: { qkey: 1, srcQp: 1 } };
    expect(cmMadFromPacket(wrongKey)).toMatchObject({ ok: false, reason: 'NOT_GSI', offset: 12 });
  });
});
