import { DmaDirection, SendFlags, WrOpcode } from '@rdmalab/verbs';
import { connectedPair, mappedBuffer } from './connected-pair.js';

/**
 * A CM-connected pair exchanges three SENDs; the server's first ACK is lost, so the client
 * retransmits after its local ACK timeout. Returns the fabric after the run, for its capture.
 */
export async function captureScenario(seed: number) {
  const pair = await connectedPair({ seed, faults: { ackLoss: [{ from: 'server', count: 1 }] } });
  const { fabric, client, server } = pair;
  const rx = mappedBuffer(server, 'server-rx', 0, 4096, DmaDirection.FROM_DEVICE);
  for (let i = 0; i < 3; i++) {
    server.qp.postRecv([
      { wrId: 100 + i, sgList: [{ addr: rx.dma, length: 4096, lkey: server.pd.localDmaLkey }] },
    ]);
  }
  const tx = mappedBuffer(client, 'client-tx', 0x42, 512);
  client.qp.postSend([
    {
      wrId: 1,
      opcode: WrOpcode.SEND,
      flags: SendFlags.SIGNALED,
      sgList: [{ addr: tx.dma, length: 512, lkey: client.pd.localDmaLkey }],
    },
  ]);
  await fabric.settle(() => client.poll().length > 0 || client.completions.length > 0);
  client.qp.postSend([
    {
      wrId: 2,
      opcode: WrOpcode.SEND,
      flags: SendFlags.SIGNALED,
      sgList: [{ addr: tx.dma, length: 100, lkey: client.pd.localDmaLkey }],
    },
    {
      wrId: 3,
      opcode: WrOpcode.SEND,
      flags: SendFlags.SIGNALED,
      sgList: [{ addr: tx.dma, length: 200, lkey: client.pd.localDmaLkey }],
    },
  ]);
  await fabric.settle(() => {
    client.poll();
    return client.completions.length >= 3;
  });
  return pair;
}
