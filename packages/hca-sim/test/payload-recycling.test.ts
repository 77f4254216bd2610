import { makeBth, Opcode, type PacketRoute, type RocePacket } from '@rdmalab/roce';
import { DmaDirection, SendFlags, type WorkCompletion, WrOpcode } from '@rdmalab/verbs';
import { describe, expect, it } from 'vitest';
import { SimFabric, type SimFabricOptions } from '../src/fabric/sim-fabric.js';
import { connectedPair, mappedBuffer } from './connected-pair.js';

const MESSAGES = 8;
const ROUNDS = 6;

/** What message m of round r carries: distinct in every byte position, round and message. */
function pattern(round: number, m: number, i: number): number {
  return (round * 53 + m * 31 + i * 7 + (i >> 8)) & 0xff;
}

/**
 * Rounds of 8 SENDs of 3000 bytes (3 packets each at the 1500-byte link MTU) under a fault plan that
 * drops, delays, duplicates and reorders requests and loses ACKs. The sender rewrites its buffers
 * between rounds, so a payload buffer reused while its packet was still in flight would deliver the
 * wrong round's bytes.
 */
async function run(tap: SimFabricOptions['tap'], rxNs = 0) {
  const { fabric, client, server } = await connectedPair(
    {
      seed: 11,
      link: { mtu: 1500 },
      ...(tap !== undefined && { tap }),
      faults: {
        rules: [
          { match: { class: 'request' }, action: { type: 'drop' }, probability: 0.04 },
          { match: { class: 'request' }, action: { type: 'delay', ns: 3_000 }, probability: 0.05 },
          {
            match: { class: 'request' },
            action: { type: 'duplicate', copies: 1, gapNs: 700 },
            probability: 0.05,
          },
          { match: { class: 'request' }, action: { type: 'reorder', after: 2 }, probability: 0.05 },
        ],
        ackLoss: [{ from: 'server', probability: 0.1 }],
      },
    },
    { server: { processingDelay: { rxNs } } },
  );
  const tx = Array.from({ length: MESSAGES }, (_, m) => mappedBuffer(client, `tx-${m}`, 0, 3000));
  const rx = Array.from({ length: MESSAGES }, (_, m) =>
    mappedBuffer(server, `rx-${m}`, 0, 3000, DmaDirection.FROM_DEVICE),
  );
  const received: number[][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    tx.forEach((b, m) => {
      for (let i = 0; i < 3000; i++) b.page.bytes[i] = pattern(round, m, i);
    });
    server.qp.postRecv(
      rx.map((b, m) => ({
        wrId: round * 100 + m,
        sgList: [{ addr: b.dma, length: 3000, lkey: server.pd.localDmaLkey }],
      })),
    );
    client.qp.postSend(
      tx.map((b, m) => ({
        wrId: round * 100 + m,
        opcode: WrOpcode.SEND,
        flags: SendFlags.SIGNALED,
        sgList: [{ addr: b.dma, length: 3000, lkey: client.pd.localDmaLkey }],
      })),
    );
    await fabric.settle(() => {
      client.poll();
      server.poll();
      return (
        server.completions.length >= (round + 1) * MESSAGES &&
        client.completions.length >= (round + 1) * MESSAGES
      );
    });
    received.push(
      rx.map((b, m) => {
        let wrong = 0;
        for (let i = 0; i < 3000; i++) if (b.page.bytes[i] !== pattern(round, m, i)) wrong++;
        return wrong;
      }),
    );
  }
  const strip = (wcs: WorkCompletion[]) =>
    wcs.map(({ wrId, status, byteLen }) => ({ wrId, status, byteLen }));
  return {
    received,
    client: strip(client.completions),
    server: strip(server.completions),
    stats: { ...fabric.stats },
    now: fabric.scheduler.now(),
    reused: client.host.device.payloads.reused,
  };
}

describe('payload buffers the fabric hands back to the HCA', () => {
  it('are reused without the tap, and every byte still arrives as posted, as with the tap on', async () => {
    const recycled = await run(false);
    const kept = await run(undefined);
    expect(recycled.received.flat().every((wrong) => wrong === 0)).toBe(true);
    expect(recycled.client).toHaveLength(ROUNDS * MESSAGES);
    expect(recycled.stats.dropped + recycled.stats.duplicated + recycled.stats.reordered).toBeGreaterThan(0);
    expect(recycled.reused).toBeGreaterThan(0);
    expect(kept.reused).toBe(0);
    // Recycling changes where payloads live, never what happens.
    expect({ ...recycled, reused: 0 }).toEqual({ ...kept, reused: 0 });
    // Forensics keeps copies of its own, so the packets' buffers are recycled under it too.
    const forensic = await run({ pcap: false, forensics: true });
    expect(forensic.reused).toBeGreaterThan(0);
    expect({ ...forensic, reused: 0 }).toEqual({ ...kept, reused: 0 });
  });

  it('wait for an HCA with a receive processing delay to process the packet', async () => {
    const delayed = await run(false, 250);
    expect(delayed.received.flat().every((wrong) => wrong === 0)).toBe(true);
    expect(delayed.client).toHaveLength(ROUNDS * MESSAGES);
  });
});

/** Packets sent straight into host a's link; what b receives and what a is told to recycle, in order. */
function switchWith(options: SimFabricOptions) {
  const fabric = new SimFabric({ seed: 9, ...options });
  const a = fabric.addHost('a', { ip: '10.0.0.1' });
  const b = fabric.addHost('b', { ip: '10.0.0.2' });
  const events: string[] = [];
  b.link.attach((packet) => events.push(`arrive ${packet.bth.psn}`));
  a.device.recyclePayload = (packet) => events.push(`recycle ${packet.bth.psn}`);
  const route: PacketRoute = { srcIp: a.ip, dstIp: b.ip, srcQpn: 17 };
  const send = (psn: number): void =>
    a.link.transmit(
      {
        bth: makeBth({ opcode: Opcode.RC_SEND_ONLY, destQp: 18, psn }),
        payload: new Uint8Array(64),
      } as RocePacket,
      route,
    );
  return { fabric, send, events };
}

describe('the switch recycles a packet only when nothing can touch it again', () => {
  it('after its one delivery, or when dropped; never a duplicated or reordered one', () => {
    const { fabric, send, events } = switchWith({
      tap: false,
      faults: {
        rules: [
          { match: { psn: 2 }, action: { type: 'duplicate', copies: 1, gapNs: 50 } },
          { match: { psn: 3 }, action: { type: 'drop' } },
          { match: { psn: 4 }, action: { type: 'reorder', after: 1 } },
          { match: { psn: 6 }, action: { type: 'delay', ns: 5_000 } },
        ],
      },
    });
    for (let psn = 1; psn <= 6; psn++) send(psn);
    fabric.run();
    expect(events).toEqual([
      'recycle 3',
      'arrive 1',
      'recycle 1',
      'arrive 2',
      'arrive 5',
      'recycle 5',
      'arrive 4',
      'arrive 2',
      'arrive 6',
      'recycle 6',
    ]);
  });

  it('never while the tap keeps packets for its pcap; records and forensics (own copies) keep none', () => {
    for (const tap of [undefined, { pcap: true, records: false, forensics: false }]) {
      const { fabric, send, events } = switchWith(tap === undefined ? {} : { tap });
      send(1);
      fabric.run();
      expect(events).toEqual(['arrive 1']);
    }
    for (const tap of [
      { pcap: false, records: true, forensics: false },
      { pcap: false, records: true, forensics: true },
    ]) {
      const { fabric, send, events } = switchWith({ tap });
      send(1);
      fabric.run();
      expect(events).toEqual(['arrive 1', 'recycle 1']);
    }
  });
});
