import { DmaDirection, SendFlags, type SendWr, WrOpcode } from '@rdmalab/verbs';
import { bench, describe } from 'vitest';
import type { SimFabricOptions } from '../src/fabric/sim-fabric.js';
import { connectedPair, type End, mappedBuffer } from '../test/connected-pair.js';

const BATCH = 32;
const BYTES = 4096;
/** 32 SENDs of 4 KiB at path MTU 4096 (link MTU 4200): 32 requests + 32 ACKs (one per message). */
const PACKETS = 2 * BATCH;

/** Process CPU time in ms (user + system, all threads: GC work counts). The machine is shared and noisy. */
function cpuNowMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** A connected pair streaming 4 KiB SENDs, one signaled per batch (ACKs retire the rest together). */
async function streamer(tap: SimFabricOptions['tap'], exportPcap: boolean) {
  const { fabric, client, server } = await connectedPair({ seed: 1, ...(tap !== undefined && { tap }) });
  const rx = mappedBuffer(server, 'rx', 0, BYTES, DmaDirection.FROM_DEVICE);
  const tx = mappedBuffer(client, 'tx', 0x5a, BYTES);
  const recv = { wrId: 0, sgList: [{ addr: rx.dma, length: BYTES, lkey: server.pd.localDmaLkey }] };
  const sends: SendWr[] = Array.from({ length: BATCH }, (_, i) => ({
    wrId: i,
    opcode: WrOpcode.SEND,
    flags: i === BATCH - 1 ? SendFlags.SIGNALED : SendFlags.NONE,
    sgList: [{ addr: tx.dma, length: BYTES, lkey: client.pd.localDmaLkey }],
  }));
  const drain = (end: End): void => {
    while (end.cq.poll(64).length > 0);
  };
  return (): void => {
    const before = fabric.stats.transmitted;
    for (let i = 0; i < BATCH; i++) server.qp.postRecv([recv]);
    client.qp.postSend(sends);
    fabric.scheduler.runUntilIdle();
    drain(client);
    drain(server);
    if (fabric.stats.transmitted - before !== PACKETS) throw new Error('unexpected packet count');
    if (exportPcap) {
      // Reading the frames encodes them (Ethernet/IPv4/UDP, ICRC); then drop them so memory stays flat.
      fabric.tap!.frames.length = 0;
      fabric.tap!.records.length = 0;
    } else if (fabric.tap) {
      fabric.tap.records.length = 0;
    }
  };
}

const off = await streamer(false, false);
const forensics = await streamer({ pcap: false, records: true, forensics: true }, false);
const full = await streamer(undefined, true);
const options = { now: cpuNowMs, time: 1500 };

// hz = rounds per CPU-second; simulated packets per CPU-second = hz × 64.
describe(`fabric, stream of 4 KiB SENDs, ${BATCH} per round (one signaled): ${PACKETS} packets per iteration`, () => {
  bench(`wire tap off (${PACKETS} packets)`, off, options);
  bench(`wire tap: records + forensics, no pcap (${PACKETS} packets)`, forensics, options);
  bench(`wire tap on: pcap frames encoded + records + forensics (${PACKETS} packets)`, full, options);
});
