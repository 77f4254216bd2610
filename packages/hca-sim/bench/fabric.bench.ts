import { DmaDirection, SendFlags, type SendWr, WrOpcode } from '@rdmalab/verbs';
import { bench, describe } from 'vitest';
import { connectedPair, type End, mappedBuffer } from '../test/connected-pair.js';

const BATCH = 32;
const BYTES = 4096;

/** A connected pair streaming 4 KiB SENDs, one signaled per batch (ACKs retire the rest together). */
async function streamer(tap: boolean) {
  const { fabric, client, server } = await connectedPair({ seed: 1, ...(tap ? {} : { tap: false }) });
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
  return {
    fabric,
    round(): void {
      for (let i = 0; i < BATCH; i++) server.qp.postRecv([recv]);
      client.qp.postSend(sends);
      fabric.scheduler.runUntilIdle();
      drain(client);
      drain(server);
      if (fabric.tap) {
        // Keep the capture from growing without bound across iterations.
        fabric.tap.frames.length = 0;
        fabric.tap.records.length = 0;
      }
    },
  };
}

const withTap = await streamer(true);
const withoutTap = await streamer(false);

describe(`stream of 4 KiB SENDs, ${BATCH} per round (one signaled)`, () => {
  bench('wire tap off', () => withoutTap.round(), {
    time: 1500,
    teardown: () => {
      console.log(`tap off: ${withoutTap.fabric.stats.transmitted} packets simulated`);
    },
  });
  bench('wire tap on (pcap frames + records + forensics)', () => withTap.round(), {
    time: 1500,
    teardown: () => {
      console.log(`tap on: ${withTap.fabric.stats.transmitted} packets simulated`);
    },
  });
});
