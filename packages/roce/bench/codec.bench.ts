/**
 * What the ICRC costs: encode + decode of a 4 KiB RC SEND_ONLY, as a full Ethernet frame and as a
 * UDP payload, with the ICRC (what a real RoCE peer needs) and without it (what a simulated fabric
 * can use).
 */
import { bench, describe } from 'vitest';
import {
  decodeFrame,
  decodeUdpPayload,
  encodeFrame,
  encodeUdpPayload,
  type IpInfo,
  makeBth,
  Opcode,
  type RocePacket,
} from '../src/index.js';

const packet: RocePacket = {
  bth: makeBth({ opcode: Opcode.RC_SEND_ONLY, destQp: 0x12, psn: 100, ackReq: true }),
  payload: new Uint8Array(4096).map((_, i) => i & 0xff),
};
const frameInit = {
  srcMac: '02:00:00:00:00:01',
  dstMac: '02:00:00:00:00:02',
  srcIp: '10.0.0.1',
  dstIp: '10.0.0.2',
  srcQpn: 0x11,
  packet,
};
const ip: IpInfo = { src: '10.0.0.1', dst: '10.0.0.2', srcPort: 0xc123 };

function check(ok: boolean): void {
  if (!ok) throw new Error('decode failed');
}

describe('4 KiB SEND_ONLY Ethernet frame: encode + decode', () => {
  bench('with ICRC (computed and verified)', () => {
    check(decodeFrame(encodeFrame(frameInit)).ok);
  });
  bench('without ICRC', () => {
    check(decodeFrame(encodeFrame(frameInit, { icrc: false }), { verifyIcrc: false }).ok);
  });
});

describe('4 KiB SEND_ONLY UDP payload (node:dgram form): encode + decode', () => {
  bench('with ICRC (computed and verified)', () => {
    check(decodeUdpPayload(encodeUdpPayload(packet, ip), { ip }).ok);
  });
  bench('without ICRC', () => {
    check(decodeUdpPayload(encodeUdpPayload(packet, ip, { icrc: false }), { verifyIcrc: false }).ok);
  });
});
