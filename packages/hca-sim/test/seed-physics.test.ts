import { DmaDirection, SendFlags, WcStatus, WrOpcode } from '@rdmalab/verbs';
import { describe, expect, it } from 'vitest';
import type { IommuModel } from '../src/fabric/sim-host.js';
import { connectedPair, mappedBuffer } from './connected-pair.js';

/**
 * The seed's bug with no transport on top (DESIGN.md §1): a signaled SEND whose payload sits in a
 * DMA-mapped page; the responder's ACK is lost; the receiver already has the message; the sender
 * unmaps and frees the page, another owner gets the same page (LIFO reuse) and writes its bytes; the
 * HCA's retransmission re-reads the page.
 */
async function seedScenario(iommu: IommuModel) {
  const { fabric, client, server } = await connectedPair(
    // ACKs from the server are lost for the first 50 ms: less than one local ACK timeout (2^14 × 4.096 µs ≈ 67 ms).
    { seed: 3, faults: { ackLoss: [{ from: 'server', window: { endNs: 50_000_000 } }] } },
    { client: { iommu } },
  );
  const rx = mappedBuffer(server, 'server-rx', 0, 4096, DmaDirection.FROM_DEVICE);
  server.qp.postRecv([{ wrId: 100, sgList: [{ addr: rx.dma, length: 4096, lkey: server.pd.localDmaLkey }] }]);
  server.qp.postRecv([{ wrId: 101, sgList: [{ addr: rx.dma, length: 4096, lkey: server.pd.localDmaLkey }] }]);

  const send = mappedBuffer(client, 'rpc-send-buffer', 0x5a, 2048);
  const other = mappedBuffer(client, 'rpc-other', 0x11, 64);
  client.qp.postSend([
    {
      wrId: 1,
      opcode: WrOpcode.SEND,
      flags: SendFlags.SIGNALED,
      sgList: [{ addr: send.dma, length: 2048, lkey: client.pd.localDmaLkey }],
    },
  ]);
  // The receiver has the message; the sender has no completion (its ACK was dropped).
  expect(await fabric.settle(() => server.poll().length > 0 || server.completions.length > 0)).toBe(true);
  expect(server.completions[0]).toMatchObject({ wrId: 100, status: WcStatus.SUCCESS, byteLen: 2048 });
  expect(client.poll()).toEqual([]);
  expect(fabric.tap!.records.some((r) => r.class === 'ack' && r.fate === 'dropped')).toBe(true);

  // The ULP releases the Send's memory too early: unmap, free, and another owner takes the page.
  client.host.device.dma.unmapPage(send.dma, 2048, DmaDirection.TO_DEVICE);
  client.host.memory.free(send.page);
  const reused = client.host.memory.alloc('tenant-b-secret');
  expect(reused.phys).toBe(send.page.phys);
  reused.bytes.fill(0xee, 0, 4096);

  // A second, unrelated Send is now queued behind the first.
  client.qp.postSend([
    {
      wrId: 2,
      opcode: WrOpcode.SEND,
      flags: SendFlags.SIGNALED,
      sgList: [{ addr: other.dma, length: 64, lkey: client.pd.localDmaLkey }],
    },
  ]);
  expect(await fabric.settle(() => client.poll().length > 0 && client.completions.length >= 2)).toBe(true);
  return { fabric, client, server, reused };
}

describe('the seed physics: retransmission after the page changed hands', () => {
  it('strict IOMMU: the retransmission faults with LOC_PROT_ERR and the QP flushes', async () => {
    const { fabric, client } = await seedScenario('strict');
    expect(client.completions.map((wc) => [wc.wrId, wc.status])).toEqual([
      [1, WcStatus.LOC_PROT_ERR],
      [2, WcStatus.WR_FLUSH_ERR],
    ]);
    expect(fabric.tap!.dmaFaults).toHaveLength(1);
    expect(fabric.tap!.dmaFaults[0]).toMatchObject({
      host: 'client',
      write: false,
      reason: 'unmapped',
      faulted: true,
    });
    expect(fabric.tap!.exposures).toEqual([]);
  });

  it('passthrough: the retransmitted bytes are the new owner’s and the tap records the exposure', async () => {
    const { fabric, client, reused } = await seedScenario('passthrough');
    expect(client.completions.map((wc) => [wc.wrId, wc.status])).toEqual([
      [1, WcStatus.SUCCESS],
      [2, WcStatus.SUCCESS],
    ]);
    const exposures = fabric.tap!.exposures;
    expect(exposures).toHaveLength(1);
    const [exposure] = exposures;
    expect(exposure).toMatchObject({
      host: 'client',
      qpn: client.qp.qpNum,
      wrId: 1,
      owners: ['tenant-b-secret'],
    });
    expect(exposure!.firstSources[0]).toMatchObject({ phys: reused.phys, owner: 'rpc-send-buffer' });
    expect(exposure!.sources[0]).toMatchObject({ phys: reused.phys, owner: 'tenant-b-secret' });
    expect(exposure!.differingBytes).toBe(2048);
    // The stale DMA read is also on record, naming whose page it reached.
    expect(fabric.tap!.dmaFaults[0]).toMatchObject({
      host: 'client',
      faulted: false,
      owner: 'tenant-b-secret',
    });
  });
});
