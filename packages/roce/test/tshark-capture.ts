/**
 * A capture of one RDMA conversation between 10.0.0.1 (QP 0x11) and 10.0.0.2 (QP 0x12): CM
 * REQ/REP/RTU on QP1, then every RC exchange shape the engine produces. Each frame lists what
 * tshark must show for it.
 */
import {
  ackSyndrome,
  cmMadPacket,
  encodeCmaReqPrivateData,
  encodeFrame,
  IbMtu,
  ipServiceId,
  makeBth,
  nakSyndrome,
  Opcode,
  PcapWriter,
  type RocePacket,
  rnrNakSyndrome,
  segment,
  segmentOpcode,
} from '../src/index.js';
import { REP, REQ } from './cm-fixtures.js';

export interface ExpectedFrame {
  opcode: number;
  psn: number;
  destQp: number;
  syndrome?: number;
  cm?: 'REQ' | 'REP' | 'RTU';
}

const CLIENT_IP = '10.0.0.1';
const SERVER_IP = '10.0.0.2';
const CLIENT = { mac: '02:00:0a:00:00:01', ip: CLIENT_IP, qpn: 0x11 };
const SERVER = { mac: '02:00:0a:00:00:02', ip: SERVER_IP, qpn: 0x12 };
const TID = 0x0000_0001_8a3c_21f0n;
// rping's port and no RPC-over-RDMA connect private data: given NFS/RDMA's, tshark hands the RC
// payloads to its RPC-over-RDMA dissector, and these test payloads are not RPC messages.
const SERVICE_REQ = {
  ...REQ,
  serviceId: ipServiceId(7174),
  privateData: encodeCmaReqPrivateData({
    ipVersion: 4,
    srcPort: 0xa1b2,
    srcAddress: CLIENT_IP,
    dstAddress: SERVER_IP,
  }),
};
const SERVICE_REP = { ...REP, privateData: new Uint8Array() };

// tshark 4.0's RPC-over-RDMA heuristic reads 16 header bytes before checking the version, so a SEND
// payload shorter than that is flagged "Malformed Packet: RPCoRDMA": test payloads are longer.
const text = (s: string) => new TextEncoder().encode(s);

export function buildConversation(): { pcap: Uint8Array; expected: ExpectedFrame[] } {
  const writer = new PcapWriter();
  const expected: ExpectedFrame[] = [];
  let timeNs = 1_700_000_000_000_000_000n;
  const emit = (from: typeof CLIENT, to: typeof CLIENT, packet: RocePacket, cm?: ExpectedFrame['cm']) => {
    const gsi = packet.bth.destQp === 1;
    const frame = encodeFrame({
      srcMac: from.mac,
      dstMac: to.mac,
      srcIp: from.ip,
      dstIp: to.ip,
      srcQpn: gsi ? 1 : from.qpn,
      packet,
    });
    writer.addFrame(timeNs, frame);
    timeNs += 1_500n;
    expected.push({
      opcode: packet.bth.opcode,
      psn: packet.bth.psn,
      destQp: packet.bth.destQp,
      ...(packet.aeth ? { syndrome: packet.aeth.syndrome } : {}),
      ...(cm ? { cm } : {}),
    });
  };
  const rc = (opcode: number, destQp: number, psn: number, extra: Partial<RocePacket> = {}): RocePacket => ({
    bth: makeBth({ opcode, destQp, psn, ackReq: true }),
    payload: new Uint8Array(),
    ...extra,
  });
  const ack = (destQp: number, psn: number, syndrome: number, msn: number) =>
    rc(Opcode.RC_ACKNOWLEDGE, destQp, psn, { aeth: { syndrome, msn } });

  // Connection establishment on QP1.
  emit(CLIENT, SERVER, cmMadPacket({ transactionId: TID, message: SERVICE_REQ }, 0), 'REQ');
  emit(SERVER, CLIENT, cmMadPacket({ transactionId: TID, message: SERVICE_REP }, 0), 'REP');
  emit(
    CLIENT,
    SERVER,
    cmMadPacket(
      {
        transactionId: TID,
        message: {
          type: 'RTU',
          localCommId: REQ.localCommId,
          remoteCommId: REP.localCommId,
          privateData: new Uint8Array(),
        },
      },
      1,
    ),
    'RTU',
  );

  let psn = REQ.startingPsn;
  let msn = 0;
  // SEND_ONLY with a payload, and its ACK.
  emit(CLIENT, SERVER, rc(Opcode.RC_SEND_ONLY, SERVER.qpn, psn, { payload: text('ping from client 1') }));
  emit(SERVER, CLIENT, ack(CLIENT.qpn, psn, ackSyndrome(), ++msn));
  psn++;
  // A SEND the responder has no receive for: RNR NAK.
  emit(CLIENT, SERVER, rc(Opcode.RC_SEND_ONLY, SERVER.qpn, psn, { payload: new Uint8Array(16).fill(1) }));
  emit(SERVER, CLIENT, ack(CLIENT.qpn, psn, rnrNakSyndrome(14), msn));
  // A packet from the future: NAK PSN sequence error carrying the expected PSN.
  emit(CLIENT, SERVER, rc(Opcode.RC_SEND_ONLY, SERVER.qpn, psn + 1, { payload: new Uint8Array(16).fill(2) }));
  emit(SERVER, CLIENT, ack(CLIENT.qpn, psn, nakSyndrome('PSN_SEQUENCE_ERROR'), msn));
  // Multi-packet SEND at MTU 1024: FIRST, MIDDLE, LAST (AckReq on the last only).
  const sendParts = segment(2500, IbMtu.MTU_1024);
  sendParts.forEach((length, i) => {
    const packet = rc(segmentOpcode('SEND', i, sendParts.length), SERVER.qpn, psn++, {
      payload: new Uint8Array(length).fill(0x40 + i),
    });
    packet.bth.ackReq = i === sendParts.length - 1;
    emit(CLIENT, SERVER, packet);
  });
  emit(SERVER, CLIENT, ack(CLIENT.qpn, psn - 1, ackSyndrome(), ++msn));
  // RDMA WRITE FIRST (RETH with the total length) + LAST.
  const writeParts = segment(1500, IbMtu.MTU_1024);
  writeParts.forEach((length, i) => {
    const packet = rc(segmentOpcode('RDMA_WRITE', i, writeParts.length), SERVER.qpn, psn++, {
      payload: new Uint8Array(length).fill(0x77),
    });
    if (i === 0) packet.reth = { va: 0x7f00_1234_0000n, rkey: 0x1a2b3c4d, dmaLength: 1500 };
    emit(CLIENT, SERVER, packet);
  });
  emit(SERVER, CLIENT, ack(CLIENT.qpn, psn - 1, ackSyndrome(), ++msn));
  // RDMA READ of 2000 bytes: one request, then READ RESPONSE FIRST/LAST on the request's PSNs.
  const readParts = segment(2000, IbMtu.MTU_1024);
  emit(
    CLIENT,
    SERVER,
    rc(Opcode.RC_RDMA_READ_REQUEST, SERVER.qpn, psn, {
      reth: { va: 0x7f00_5678_0000n, rkey: 0x55, dmaLength: 2000 },
    }),
  );
  msn++;
  readParts.forEach((length, i) => {
    const opcode = segmentOpcode('RDMA_READ_RESPONSE', i, readParts.length);
    const packet = rc(opcode, CLIENT.qpn, psn + i, { payload: new Uint8Array(length).fill(0x33) });
    packet.bth.ackReq = false;
    if (opcode !== Opcode.RC_RDMA_READ_RESPONSE_MIDDLE) packet.aeth = { syndrome: ackSyndrome(), msn };
    emit(SERVER, CLIENT, packet);
  });
  psn += readParts.length;
  // SEND_WITH_INVALIDATE from the server (an RPC reply invalidating the client's MR).
  emit(
    SERVER,
    CLIENT,
    rc(Opcode.RC_SEND_ONLY_WITH_INVALIDATE, CLIENT.qpn, REP.startingPsn, {
      ieth: 0x1a2b3c4d,
      payload: text('reply from server'),
    }),
  );
  emit(CLIENT, SERVER, ack(SERVER.qpn, REP.startingPsn, ackSyndrome(), 1));
  return { pcap: writer.toBytes(), expected };
}
