import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { encodeUdpPayload, makeBth, Opcode, type RocePacket } from '@rdmalab/roce';
import { AccessFlags, QpState, SendFlags, WrOpcode } from '@rdmalab/verbs';
import { type ConformanceHarness, connectRcPair, type RcPair } from '@rdmalab/verbs/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import { RxeError } from '../src/errors.js';
import { RxeHost, type RxeHostOptions } from '../src/host/rxe-host.js';
import { PageBuffer, patternBytes } from '../src/peer/page-buffer.js';
import { waitUntil } from './real-time.js';
import { sha256 } from './sha.js';

// This file's own loopback addresses (test files run in parallel; one port 4791 per address).
const A = '127.0.2.1';
const B = '127.0.2.2';
const INJECTOR = '127.0.2.3';

const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

async function hosts(options: { a?: Partial<RxeHostOptions>; b?: Partial<RxeHostOptions> } = {}) {
  const a = new RxeHost({ ip: A, name: 'a', memoryPages: 2048, ...options.a });
  const b = new RxeHost({ ip: B, name: 'b', memoryPages: 2048, ...options.b });
  open.push(a, b);
  await Promise.all([a.ready, b.ready]);
  return { a, b };
}

async function injector(): Promise<Socket & { sendTo(bytes: Uint8Array, ip: string): Promise<void> }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(4791, INJECTOR, resolve));
  open.push({ close: () => new Promise<void>((resolve) => socket.close(() => resolve())) });
  return Object.assign(socket, {
    sendTo: (bytes: Uint8Array, ip: string) =>
      new Promise<void>((resolve, reject) =>
        socket.send(bytes, 4791, ip, (e) => (e ? reject(e) : resolve())),
      ),
  });
}

/** What connectRcPair needs: the two hosts (and a real-time settle). */
function harness(a: RxeHost, b: RxeHost): ConformanceHarness {
  return {
    a: { device: a.device, ip: a.ip },
    b: { device: b.device, ip: b.ip },
    settle: (predicate, { timeoutMs }) => waitUntil(predicate, timeoutMs),
    dispose() {},
  };
}

/** Poll the pair's CQs into their logs, then check. */
function reaped(pair: RcPair, check: () => boolean): boolean {
  pair.reap();
  return check();
}

function sendOnly(destQp: number, psn: number, payload: Uint8Array): RocePacket {
  return { bth: makeBth({ opcode: Opcode.RC_SEND_ONLY, destQp, psn, ackReq: true }), payload };
}

/** Kernel-wide UDP receive-buffer drops (/proc/net/snmp Udp RcvbufErrors). */
function udpRcvbufErrors(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  return Number(values[names.indexOf('RcvbufErrors')]);
}

describe('UDP link', () => {
  it('EADDRINUSE when the address already has a port 4791 socket; EINVAL for bad options', async () => {
    const { a } = await hosts();
    const twin = new RxeHost({ ip: a.ip, memoryPages: 16 });
    await expect(twin.ready).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await twin.close();
    expect(() => new RxeHost({ ip: '127.0.2' })).toThrow(RxeError);
    expect(() => new RxeHost({ ip: A, mtu: 1500 })).toThrow(/mtu=1500 must be 256, 512, 1024, 2048 or 4096/);
    expect(() => new RxeHost({ ip: A, mtu: 4096, netdevMtu: 1500 })).toThrow(
      /does not fit a 1500-byte netdev/,
    );
    expect(new RxeHost({ ip: '127.0.2.9', netdevMtu: 9000, memoryPages: 16 }).mtuBytes).toBe(4096);
    expect(() => new RxeHost({ ip: A, link: { icrc: 'sometimes' as never } })).toThrow(/icrc "sometimes"/);
  });

  it('drops and counts garbage, bad ICRCs, unknown QPNs and packets for a QP not ready — then carries on', async () => {
    const { a, b } = await hosts();
    const pair: RcPair = connectRcPair(harness(a, b));
    const spare = b.device.allocPd().createQp({
      type: 'RC',
      sendCq: pair.b.sendCq,
      recvCq: pair.b.recvCq,
      cap: { maxSendWr: 1, maxRecvWr: 1, maxSendSge: 1, maxRecvSge: 1, maxInlineData: 0 },
    }); // stays in RESET
    const inject = await injector();
    const ip = { src: INJECTOR, dst: B, srcPort: 4791 };
    const payload = new Uint8Array(64).fill(0xab);

    await inject.sendTo(new Uint8Array([1, 2, 3]), B); // shorter than a BTH
    await inject.sendTo(new Uint8Array(40).fill(0xfe), B); // no such opcode
    const corrupted = encodeUdpPayload(sendOnly(pair.b.qp.qpNum, 0x200, payload), ip);
    corrupted[20]! ^= 0xff;
    await inject.sendTo(corrupted, B);
    await inject.sendTo(encodeUdpPayload(sendOnly(0x00abcd, 0, payload), ip), B);
    await inject.sendTo(encodeUdpPayload(sendOnly(spare.qpNum, 0, payload), ip), B);
    expect(spare.state).toBe(QpState.RESET);

    const link = () => b.link.counters.snapshot();
    expect(await waitUntil(() => (link()['rxe.rx_datagrams'] ?? 0) >= 5, 2000)).toBe(true);
    expect(link()['rxe.rx_malformed']).toBe(2);
    expect(link()['rxe.rx_bad_icrc']).toBe(1);
    expect(b.device.counters.get('roce.dropped_bad_packets')).toBe(2); // unknown QPN + QP in RESET

    // The connection is unharmed: a SEND still goes through and nothing was delivered twice.
    const src = PageBuffer.register(a.memory, pair.a.pd, 4096, AccessFlags.LOCAL_WRITE, 'src');
    const dst = PageBuffer.register(b.memory, pair.b.pd, 4096, AccessFlags.LOCAL_WRITE, 'dst');
    src.write(0, patternBytes(3, 0, 3000));
    pair.b.qp.postRecv([{ wrId: 1, sgList: [dst.sge(0, 4096)] }]);
    pair.a.qp.postSend([
      { wrId: 2, opcode: WrOpcode.SEND, flags: SendFlags.SIGNALED, sgList: [src.sge(0, 3000)] },
    ]);
    expect(await waitUntil(() => reaped(pair, () => pair.b.recvs.entries.length === 1), 2000)).toBe(true);
    expect(pair.b.recvs.summaries()).toEqual([{ wrId: 1, status: 'SUCCESS', opcode: 'RECV', byteLen: 3000 }]);
    expect(sha256(dst.read(0, 3000))).toBe(sha256(patternBytes(3, 0, 3000)));
  });

  it('a burst that overflows the receive buffer still completes intact via retransmission', async () => {
    // b's socket holds ~16 4 KiB datagrams; 128 PSNs in flight overflow it every window.
    const { a, b } = await hosts({ a: { mtu: 4096 }, b: { mtu: 4096, link: { recvBufferBytes: 64 << 10 } } });
    const pair = connectRcPair(harness(a, b), { pathMtu: 5, timeout: 14, retryCnt: 7 });
    const length = 2 << 20;
    const src = PageBuffer.register(a.memory, pair.a.pd, length, AccessFlags.LOCAL_WRITE, 'burst-src');
    const dst = PageBuffer.register(
      b.memory,
      pair.b.pd,
      length,
      AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE,
      'burst-dst',
    );
    const bytes = patternBytes(41, 0, length);
    src.write(0, bytes);
    const dropsBefore = udpRcvbufErrors();
    pair.a.qp.postSend([
      {
        wrId: 9,
        opcode: WrOpcode.RDMA_WRITE,
        flags: SendFlags.SIGNALED,
        sgList: [src.sge(0, length)],
        rdma: { remoteAddr: dst.mr.iova, rkey: dst.mr.rkey },
      },
    ]);
    expect(await waitUntil(() => reaped(pair, () => pair.a.sends.entries.length === 1), 15_000)).toBe(true);
    expect(pair.a.sends.summaries()).toEqual([{ wrId: 9, status: 'SUCCESS', opcode: 'RDMA_WRITE' }]);
    expect(sha256(dst.read(0, length))).toBe(sha256(bytes));
    expect(udpRcvbufErrors() - dropsBefore, 'the kernel dropped datagrams').toBeGreaterThan(0);
    expect(a.device.counters.get('roce.retransmitted_packets')).toBeGreaterThan(0);
  });
});
