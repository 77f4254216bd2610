import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeIcrc, decodeUdpPayload, formatIpv4, type PcapRecord, readPcap } from '@rdmalab/roce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RxeHost } from '../src/host/rxe-host.js';
import { patternBytes } from '../src/peer/page-buffer.js';
import { PeerClient } from '../src/peer/peer-client.js';
import { PeerServer } from '../src/peer/peer-server.js';
import { waitUntil } from './real-time.js';
import { hasCommand, isRoot, requirePeers } from './tools.js';

// rping's port: with NFS/RDMA's 20049 tshark would hand the SEND payloads to its RPC-over-RDMA dissector.
const PORT = 7174;
const haveTshark = hasCommand('tshark');

interface Frame {
  ipId: number;
  src: string;
  dst: string;
  opcode: number;
  psn: number;
  destQp: number;
  syndrome: number | undefined;
  attribute: number | undefined;
  reqStartPsn: number | undefined;
  reqLocalQpn: number | undefined;
  repLocalQpn: number | undefined;
  repStartPsn: number | undefined;
}

const FIELDS = [
  'ip.id',
  'ip.src',
  'ip.dst',
  'infiniband.bth.opcode',
  'infiniband.bth.psn',
  'infiniband.bth.destqp',
  'infiniband.aeth.syndrome',
  'infiniband.mad.attributeid',
  'infiniband.cm.req.startpsn',
  'infiniband.cm.req.localqpn',
  'infiniband.cm.rep.localqpn',
  'infiniband.cm.rep.startpsn',
];

const num = (text: string | undefined) => (text === undefined || text === '' ? undefined : Number(text));

/** One captured lo frame split as Linux rxe's rxe_icrc_check sees it (14-byte Ethernet header, IPv4 without options). */
function split(record: PcapRecord) {
  const frame = record.data;
  const ip = frame.slice(14, 34);
  const udp = frame.slice(34, 42);
  const udpPayload = frame.subarray(42);
  const transport = frame.subarray(42, frame.length - 4);
  const wire = new DataView(frame.buffer, frame.byteOffset).getUint32(frame.length - 4, true);
  const view = new DataView(ip.buffer);
  return {
    ip,
    udp,
    udpPayload,
    transport,
    wire,
    realId: view.getUint16(4),
    src: formatIpv4(ip.subarray(12, 16)),
    dst: formatIpv4(ip.subarray(16, 20)),
    srcPort: new DataView(udp.buffer).getUint16(0),
  };
}

function capturedRecords(file: string, count: number): readonly PcapRecord[] {
  const parsed = readPcap(new Uint8Array(readFileSync(file)));
  if (!parsed.ok) throw new Error(`capture did not parse: ${parsed.reason} at ${parsed.offset}`);
  expect(parsed.value.records).toHaveLength(count);
  return parsed.value.records;
}

// The raw sender needs the native addon (built by `pnpm build`) and root, as the capture does.
describe.skipIf(!(haveTshark && isRoot) && !requirePeers).each([
  { sender: 'raw' as const, net: '127.0.3' },
  { sender: 'dgram' as const, net: '127.0.5' },
])('wire proof ($sender sender): tshark decodes rxe traffic on lo as RoCEv2', ({ sender, net }) => {
  const CLIENT_IP = `${net}.1`;
  const SERVER_IP = `${net}.2`;
  const dir = mkdtempSync(join(tmpdir(), 'rxe-tshark-'));
  const file = join(dir, 'rxe.pcap');
  let tshark: ChildProcess;
  let frames: Frame[] = [];
  const client = new RxeHost({ ip: CLIENT_IP, memoryPages: 2048, link: { sender } });
  const server = new RxeHost({ ip: SERVER_IP, memoryPages: 2048, link: { sender } });
  let clientQpn = 0;
  let retransmitted = 0;

  beforeAll(async () => {
    if (!haveTshark) throw new Error('tshark is required (RDMALAB_REQUIRE_PEERS=1) but not installed');
    if (!isRoot) throw new Error('capturing on lo needs root (RDMALAB_REQUIRE_PEERS=1)');
    await Promise.all([client.ready, server.ready]);
    tshark = spawn(
      'tshark',
      ['-i', 'lo', '-f', `udp port 4791 and net ${net}.0/24`, '-F', 'pcap', '-w', file],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    tshark.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    expect(
      await waitUntil(() => stderr.includes('Capture started'), 15_000),
      `tshark did not start: ${stderr}`,
    ).toBe(true);

    const peer = new PeerServer(server, { port: PORT, bufferBytes: 64 << 10, slotBytes: 8192 });
    peer.listen();
    const conn = await PeerClient.connect(client, {
      server: { ip: SERVER_IP, port: PORT },
      bufferBytes: 64 << 10,
      slotBytes: 8192,
    });
    clientQpn = conn.qp.qpNum;
    for (const size of [100, 200, 3000]) {
      const reply = await conn.echo(patternBytes(size, 0, size));
      expect(reply.length).toBe(size);
    }
    conn.close(); // DREQ → DREP
    await waitUntil(() => peer.connections === 0, 3000);
    retransmitted =
      client.device.counters.get('roce.retransmitted_packets') +
      server.device.counters.get('roce.retransmitted_packets');
    await new Promise((r) => setTimeout(r, 300)); // let tshark write out the last frames
    tshark.kill('SIGINT');
    await new Promise((r) => tshark.once('exit', r));
    const out = execFileSync(
      'tshark',
      ['-r', file, '-T', 'fields', '-E', 'separator=|', ...FIELDS.flatMap((f) => ['-e', f])],
      {
        encoding: 'utf8',
      },
    );
    frames = out
      .trim()
      .split('\n')
      .map((line) => {
        const v = line.split('|');
        return {
          ipId: Number(v[0]),
          src: v[1]!,
          dst: v[2]!,
          opcode: Number(v[3]),
          psn: Number(v[4]),
          destQp: Number(v[5]),
          syndrome: num(v[6]),
          attribute: num(v[7]),
          reqStartPsn: num(v[8]),
          reqLocalQpn: num(v[9]),
          repLocalQpn: num(v[10]),
          repStartPsn: num(v[11]),
        };
      });
  }, 40_000);

  afterAll(async () => {
    if (tshark && tshark.exitCode === null) tshark.kill('SIGKILL');
    await Promise.all([client.close(), server.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('every frame is RoCEv2 to UDP 4791 that tshark decodes (BTH opcode present)', () => {
    expect(frames.length).toBeGreaterThan(10);
    for (const f of frames) expect(Number.isNaN(f.opcode), JSON.stringify(f)).toBe(false);
  });

  it('the CM handshake and teardown: REQ, REP, RTU, DREQ, DREP as UD SEND_ONLY MADs to QP1', () => {
    const cm = frames.filter((f) => f.attribute !== undefined);
    for (const f of cm) {
      expect(f.opcode).toBe(0x64); // UD SEND_ONLY
      expect(f.destQp).toBe(1);
    }
    const seq = cm.map((f) => `${f.src === CLIENT_IP ? 'c' : 's'}:${f.attribute!.toString(16)}`);
    expect(seq.slice(0, 3)).toEqual(['c:10', 's:13', 'c:14']); // REQ, REP, RTU
    expect(seq).toContain('c:15'); // DREQ
    expect(seq).toContain('s:16'); // DREP
    const req = cm[0]!;
    expect(req.reqLocalQpn).toBe(clientQpn);
  });

  it('RC SENDs with consecutive PSNs from the REQ/REP starting PSNs, ACKed with syndrome 0x1f', () => {
    const req = frames.find((f) => f.attribute === 0x10)!;
    const rep = frames.find((f) => f.attribute === 0x13)!;
    const toServer = frames.filter((f) => f.src === CLIENT_IP && f.destQp === rep.repLocalQpn);
    const toClient = frames.filter((f) => f.src === SERVER_IP && f.destQp === clientQpn);
    // Requests: SEND_ONLY ×2 then FIRST, MIDDLE, LAST (3000 bytes over a 1024 MTU).
    const requests = toServer.filter((f) => f.opcode <= 0x05);
    expect(requests.map((f) => f.opcode)).toEqual([0x04, 0x04, 0x00, 0x01, 0x02]);
    expect(requests.map((f) => f.psn)).toEqual([0, 1, 2, 3, 4].map((i) => (req.reqStartPsn! + i) & 0xffffff));
    // The server's replies mirror them from its own starting PSN.
    const replies = toClient.filter((f) => f.opcode <= 0x05);
    expect(replies.map((f) => f.opcode)).toEqual([0x04, 0x04, 0x00, 0x01, 0x02]);
    expect(replies.map((f) => f.psn)).toEqual([0, 1, 2, 3, 4].map((i) => (rep.repStartPsn! + i) & 0xffffff));
    // ACKs (0x11, syndrome 0x1f) name the PSN of each message's last packet (the AckReq ones).
    const acksFromServer = toClient.filter((f) => f.opcode === 0x11);
    expect(acksFromServer.every((f) => f.syndrome === 0x1f)).toBe(true);
    if (retransmitted === 0)
      expect(acksFromServer.map((f) => f.psn)).toEqual([
        requests[0]!.psn,
        requests[1]!.psn,
        requests[4]!.psn,
      ]);
  });

  if (sender === 'raw')
    it('raw sender: every ICRC is right for the IPv4 header actually on the wire, as rxe_icrc_check verifies it', () => {
      expect(client.link.senderKind).toBe('raw');
      expect(server.link.senderKind).toBe('raw');
      const ids = new Map<string, number[]>();
      for (const record of capturedRecords(file, frames.length)) {
        const f = split(record);
        expect(f.ip[6]! & 0x40, 'DF is set').toBe(0x40);
        expect(f.ip[8], 'TTL').toBe(64);
        expect(f.realId, 'our own non-zero ID (the kernel would replace 0)').not.toBe(0);
        // rxe's per-QP source port: 0xC000 + hash_32(qpn, 14).
        expect(f.srcPort).toBeGreaterThanOrEqual(0xc000);
        expect(
          computeIcrc(f.ip, f.udp, f.transport),
          `ICRC over the wire header, ID 0x${f.realId.toString(16)}`,
        ).toBe(f.wire);
        // The codec's strict check with the header's real fields: what a Linux rxe receiver does.
        const strict = decodeUdpPayload(f.udpPayload, {
          ip: { src: f.src, dst: f.dst, srcPort: f.srcPort, identification: f.realId },
        });
        expect(strict.ok && strict.value.icrcVerified, JSON.stringify(strict)).toBe(true);
        ids.set(f.src, [...(ids.get(f.src) ?? []), f.realId]);
      }
      // Each link numbers its packets itself: consecutive IDs (mod 2^16, skipping 0), CM and data alike.
      for (const list of ids.values())
        for (let i = 1; i < list.length; i++)
          expect(list[i]).toBe(list[i - 1]! === 0xffff ? 1 : list[i - 1]! + 1);
      // Our dgram-socket receivers solved the ICRC for exactly the ID the sender put on the wire.
      expect(server.link.lastIpId.get(CLIENT_IP)).toBe(ids.get(CLIENT_IP)!.at(-1));
      expect(client.link.lastIpId.get(SERVER_IP)).toBe(ids.get(SERVER_IP)!.at(-1));
      expect(server.link.counters.get('rxe.rx_bad_icrc')).toBe(0);
      expect(client.link.counters.get('rxe.rx_bad_icrc')).toBe(0);
      expect(client.link.counters.get('rxe.tx_raw_datagrams')).toBe(ids.get(CLIENT_IP)!.length);
    });

  if (sender === 'dgram')
    it('dgram sender: ICRC right for IPv4 ID 0 (what it assumes), wrong for the ID Linux really wrote', () => {
      expect(client.link.senderKind).toBe('dgram');
      let nonZeroIds = 0;
      for (const record of capturedRecords(file, frames.length)) {
        const { ip, udp, transport, wire, realId } = split(record);
        expect(ip[6]! & 0x40, 'DF is set').toBe(0x40);
        const asSent = computeIcrc(ip, udp, transport);
        ip[4] = 0;
        ip[5] = 0;
        expect(computeIcrc(ip, udp, transport), 'ICRC with ID 0').toBe(wire);
        if (realId !== 0) {
          nonZeroIds++;
          // A Linux rxe receiver computes over the header it got: it would count a bad ICRC and drop.
          expect(asSent, `ICRC with the real ID 0x${realId.toString(16)}`).not.toBe(wire);
        }
      }
      // node:dgram sockets keep IP_PMTUDISC_WANT, so Linux picks IDs with __ip_select_ident, not 0.
      expect(nonZeroIds).toBeGreaterThan(0);
      // Our receivers accepted every datagram: the check solved for the ID the sender assumed (0).
      expect(server.link.lastIpId.get(CLIENT_IP)).toBe(0);
      expect(server.link.counters.get('rxe.rx_bad_icrc')).toBe(0);
      expect(client.link.counters.get('rxe.rx_bad_icrc')).toBe(0);
      expect(client.link.counters.get('rxe.tx_raw_datagrams')).toBe(0);
    });
});
