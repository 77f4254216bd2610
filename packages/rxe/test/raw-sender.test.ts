import { createSocket, type RemoteInfo } from 'node:dgram';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ETHERNET_HEADER_BYTES, encodeFrame, makeBth, Opcode, rxeUdpSourcePort } from '@rdmalab/roce';
import { afterEach, describe, expect, it } from 'vitest';
import { RxeError } from '../src/errors.js';
import { IcrcCheck } from '../src/link/icrc-check.js';
import { RawIpv4Socket } from '../src/link/raw-ipv4-socket.js';
import { UdpLink } from '../src/link/udp-link.js';
import { hasCommand, isRoot, requirePeers } from './tools.js';

// This file's own loopback addresses (test files run in parallel; one port 4791 per address).
const SRC = '127.0.4.1';
const DST = '127.0.4.2';
const ADDON = fileURLToPath(new URL('../dist/native/raw-ipv4.node', import.meta.url));
const canCompile = hasCommand('cc') && existsSync('/usr/include/node/node_api.h');

const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

describe.skipIf(!canCompile && !requirePeers)('the native raw-IPv4 addon', () => {
  it('was built by `pnpm build` (scripts/build-native.mjs) where a C compiler and Node headers exist', () => {
    expect(existsSync(ADDON), `${ADDON} missing: run the package build`).toBe(true);
  });
});

describe.skipIf(!isRoot && !requirePeers)('raw sender (root / CAP_NET_RAW)', () => {
  it('a raw IPv4 packet from 127.0.4.1 reaches a dgram socket on 127.0.4.2:4791 with our ID under its ICRC', async () => {
    if (!isRoot) throw new Error('raw sockets need root (RDMALAB_REQUIRE_PEERS=1)');
    const socket = RawIpv4Socket.open(1 << 20);
    open.push(socket);
    const receiver = createSocket('udp4');
    await new Promise<void>((resolve) => receiver.bind(4791, DST, resolve));
    open.push({ close: () => new Promise<void>((resolve) => receiver.close(() => resolve())) });
    const got = new Promise<{ msg: Buffer; rinfo: RemoteInfo }>((resolve) =>
      receiver.once('message', (msg, rinfo) => resolve({ msg, rinfo })),
    );
    const payload = new TextEncoder().encode('over a raw socket');
    const packet = { bth: makeBth({ opcode: Opcode.RC_SEND_ONLY, destQp: 0x11, psn: 5 }), payload };
    const identification = 0x4d2e;
    const frame = encodeFrame({
      srcMac: '00:00:00:00:00:00',
      dstMac: '00:00:00:00:00:00',
      srcIp: SRC,
      dstIp: DST,
      srcQpn: 0x12,
      packet,
      identification,
    });
    expect(socket.send(frame.subarray(ETHERNET_HEADER_BYTES))).toBeUndefined();
    const { msg, rinfo } = await got;
    expect(rinfo.address).toBe(SRC);
    expect(rinfo.port).toBe(rxeUdpSourcePort(0x12));
    const datagram = new Uint8Array(msg.buffer, msg.byteOffset, msg.length);
    expect(datagram).toEqual(frame.subarray(ETHERNET_HEADER_BYTES + 28));
    // The receiver's ICRC check recovers exactly the Identification we wrote (the kernel kept it).
    expect(new IcrcCheck('any-ip-id', DST).verify(datagram, rinfo.address, rinfo.port)).toBe(identification);
  });

  it('sends nothing but whole IPv4 packets: a short buffer is EINVAL, a closed socket EBADF', () => {
    const socket = RawIpv4Socket.open(1 << 16);
    expect(socket.send(new Uint8Array(10))).toBe('EINVAL');
    socket.close();
    expect(socket.closed).toBe(true);
    expect(socket.send(new Uint8Array(40))).toBe('EBADF');
  });

  it("'auto' picks raw, counts raw datagrams, and the peer sees consecutive non-zero IPv4 IDs", async () => {
    const a = new UdpLink({ ip: SRC });
    const b = new UdpLink({ ip: DST, sender: 'dgram' });
    open.push(a, b);
    await Promise.all([a.ready, b.ready]);
    expect(a.senderKind).toBe('raw');
    expect(a.rawUnavailableReason).toBeUndefined();
    expect(b.senderKind).toBe('dgram');
    const seen: number[] = [];
    b.attach(() => seen.push(b.lastIpId.get(SRC)!));
    for (let psn = 0; psn < 3; psn++)
      a.transmit(
        { bth: makeBth({ opcode: Opcode.RC_SEND_ONLY, destQp: 0x99, psn }), payload: new Uint8Array(8) },
        { srcIp: SRC, dstIp: DST, srcQpn: 0x17 },
      );
    await expect.poll(() => seen.length).toBe(3);
    expect(seen[0]).not.toBe(0);
    expect(seen).toEqual([seen[0]!, (seen[0]! % 0xffff) + 1, ((seen[0]! + 1) % 0xffff) + 1]);
    expect(a.counters.get('rxe.tx_raw_datagrams')).toBe(3);
    expect(b.counters.get('rxe.rx_bad_icrc')).toBe(0);
  });
});

describe('sender option', () => {
  it('rejects an unknown sender, and raw on a non-RoCEv2 port, naming the field', () => {
    expect(() => new UdpLink({ ip: SRC, sender: 'smoke' as never })).toThrow(/sender "smoke"/);
    expect(() => new UdpLink({ ip: SRC, port: 14791, sender: 'raw' })).toThrow(RxeError);
  });

  it("'dgram' never opens a raw socket; 'auto' on another port falls back to dgram and says why", async () => {
    const d = new UdpLink({ ip: SRC, sender: 'dgram' });
    open.push(d);
    expect(d.senderKind).toBe('dgram');
    expect(d.rawUnavailableReason).toBeUndefined();
    const auto = new UdpLink({ ip: SRC, port: 14791 });
    open.push(auto);
    expect(auto.senderKind).toBe('dgram');
    expect(auto.rawUnavailableReason).toMatch(/port 4791/);
  });

  it.skipIf(isRoot)("without CAP_NET_RAW, 'raw' throws EPERM and 'auto' falls back to dgram", () => {
    expect(() => new UdpLink({ ip: SRC, sender: 'raw' })).toThrow(/EPERM|EACCES|ENOTSUP/);
    const auto = new UdpLink({ ip: SRC });
    open.push(auto);
    expect(auto.senderKind).toBe('dgram');
  });
});
