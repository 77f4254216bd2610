import { makeBth, Opcode, type RocePacket } from '@rdmalab/roce';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { UdpLink } from '../src/link/udp-link.js';
import { waitUntil } from '../test/real-time.js';

/*
 * The link's send path alone, one process on loopback: 256 RC SEND_ONLY packets of 4 KiB from a link on
 * 127.0.6.1 (raw) or 127.0.6.2 (dgram) to one on 127.0.6.9 per iteration, until the receiver has them all: the raw IPv4 socket (our
 * header and ID, ICRC over it; needs root) against node:dgram (kernel-chosen ID, ICRC assuming 0).
 */
const RX = '127.0.6.9';
const PACKETS = 256;
const payload = new Uint8Array(4096).fill(0x5a);

let receiver: UdpLink;
const senders: Partial<Record<'raw' | 'dgram', UdpLink>> = {};
let psn = 0;

beforeAll(async () => {
  receiver = new UdpLink({ ip: RX, sender: 'dgram' });
  receiver.attach(() => {});
  senders.dgram = new UdpLink({ ip: '127.0.6.2', sender: 'dgram' });
  const auto = new UdpLink({ ip: '127.0.6.1' });
  if (auto.senderKind === 'raw') senders.raw = auto;
  else await auto.close();
  await Promise.all([receiver.ready, ...Object.values(senders).map((l) => l.ready)]);
});

afterAll(async () => {
  await Promise.all([receiver.close(), ...Object.values(senders).map((l) => l.close())]);
});

async function burst(link: UdpLink | undefined): Promise<void> {
  if (link === undefined) return;
  const target = receiver.counters.get('rxe.rx_datagrams') + PACKETS;
  for (let i = 0; i < PACKETS; i++) {
    const packet: RocePacket = {
      bth: makeBth({ opcode: Opcode.RC_SEND_ONLY, destQp: 0x77, psn: psn++ & 0xffffff }),
      payload,
    };
    link.transmit(packet, { srcIp: link.ip, dstIp: RX, srcQpn: 0x21 });
  }
  if (!(await waitUntil(() => receiver.counters.get('rxe.rx_datagrams') >= target, 5000)))
    throw new Error(`receiver got ${receiver.counters.get('rxe.rx_datagrams')} of ${target} datagrams`);
}

describe('UdpLink send path: 256 × 4 KiB RC SEND packets to a link in the same process', () => {
  bench('raw IPv4 socket (own IPv4 ID, exact ICRC; root)', () => burst(senders.raw), { time: 2000 });
  bench('node:dgram (kernel-chosen IPv4 ID)', () => burst(senders.dgram), { time: 2000 });
});
