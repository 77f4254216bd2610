import { type IommuModel, SimFabric, type SimHost } from '@rdmalab/hca-sim';
import type { Page } from '@rdmalab/kernel';
import {
  DmaDirection,
  SendFlags,
  WcOpcode,
  WcStatus,
  type WorkCompletion,
  WrOpcode,
  wcStatusName,
} from '@rdmalab/verbs';
import { connectRc, type Endpoint } from './rc-connection.js';

/**
 * How the client ULP treats the Send's memory once the Reply is in:
 * - `release-on-reply`: unmap and free the Call's page as soon as the Reply arrives (the pre-2017
 *   xprtrdma behaviour the seed commit fixed);
 * - `wait-for-send`: the RPC does not complete, and the page is not released, until the Send that
 *   carried the Call has completed (the 2017 fix: "RPC completion should wait for Send completion").
 */
export type SendLifetime = 'release-on-reply' | 'wait-for-send';

export interface SeedStoryOptions {
  lifetime: SendLifetime;
  iommu: IommuModel;
  seed: number;
  /** Lose the server's ACKs for this long after the connection is up (0 = no fault). */
  ackLossNs: number;
}

export interface SeedStoryResult {
  lifetime: SendLifetime;
  iommu: IommuModel;
  seed: number;
  ackLossNs: number;
  /** The RPC completed (its Reply was processed and its resources released). */
  rpcCompleted: boolean;
  /** Virtual time from posting the Call to the RPC's completion. */
  rpcLatencyNs: number | null;
  replyAtNs: number | null;
  sendCompletedAtNs: number | null;
  sendStatus: string | null;
  /** How long the RPC waited after its Reply for the Send to complete. */
  replyWaitedForSendNs: number;
  retransmissions: number;
  connectionLost: boolean;
  dmaFaults: { timeNs: number; reason: string; faulted: boolean; owner: string | null }[];
  exposures: { timeNs: number; psn: number; owners: string[]; differingBytes: number; sample: string }[];
  /** The server received the Call's bytes intact. */
  callDelivered: boolean;
  pcap: Uint8Array;
}

const CALL_BYTES = 2048;
const CALL_TEXT = 'NFSv3 WRITE xid=0x1 file=/exports/alice/report.txt data: quarterly numbers...';
const SECRET_TEXT = 'tenant-b: payroll.db page -- SSN 078-05-1120, salary 250000 ';

function fillText(page: Page, text: string, length: number): void {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < length; i++) page.bytes[i] = bytes[i % bytes.length] ?? 0x20;
}

function printable(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 48), (b) =>
    b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.',
  ).join('');
}

/**
 * The seed's story, run for real on the simulated fabric: the client sends an RPC Call with a
 * signaled RDMA Send from a DMA-mapped page; the server answers at once; the server's ACKs are
 * lost, so the client's HCA retransmits the Send after its local ACK timeout — re-reading the page.
 */
export async function runSeedStory(options: SeedStoryOptions): Promise<SeedStoryResult> {
  const fabric = new SimFabric({ seed: options.seed });
  const clientHost: SimHost = fabric.addHost('client', { ip: '10.0.0.1', iommu: options.iommu });
  const serverHost: SimHost = fabric.addHost('server', { ip: '10.0.0.2', iommu: 'strict' });

  let replyAtNs: number | null = null;
  let sendCompletedAtNs: number | null = null;
  let sendStatus: number | null = null;
  let rpcCompletedAtNs: number | null = null;
  let callDelivered = false;
  let released = false;
  let connectionLost = false;

  const serverRx = serverHost.memory.alloc('server: receive buffer');
  const serverTx = serverHost.memory.alloc('server: reply buffer');
  fillText(serverTx, 'RPC REPLY xid=0x1 NFS3_OK', 256);
  const clientRx = clientHost.memory.alloc('client: receive buffer');
  const callPage = clientHost.memory.alloc('client: rpc call xid=0x1');
  fillText(callPage, CALL_TEXT, CALL_BYTES);
  const expectedCall = callPage.bytes.slice(0, CALL_BYTES);

  let callDma = 0;
  const releaseCall = () => {
    if (released) return;
    released = true;
    clientHost.device.dma.unmapPage(callDma, CALL_BYTES, DmaDirection.TO_DEVICE);
    clientHost.memory.free(callPage);
    // Another tenant allocates right away; the allocator hands out the most recently freed page.
    const next = clientHost.memory.alloc('tenant-b: payroll.db');
    fillText(next, SECRET_TEXT, 4096);
    rpcCompletedAtNs = fabric.scheduler.now();
  };

  const ends = await connectRc(fabric, clientHost, serverHost, {
    prepareServer: (end) => {
      const dma = serverHost.device.dma.mapPage(serverRx, 0, 4096, DmaDirection.FROM_DEVICE);
      end.qp.postRecv([{ wrId: 1, sgList: [{ addr: dma, length: 4096, lkey: end.pd.localDmaLkey }] }]);
    },
    server: (wc) => {
      if (wc.opcode !== WcOpcode.RECV || wc.status !== WcStatus.SUCCESS) return;
      callDelivered =
        wc.byteLen === CALL_BYTES &&
        serverRx.bytes.subarray(0, CALL_BYTES).every((b, i) => b === expectedCall[i]);
      const dma = serverHost.device.dma.mapPage(serverTx, 0, 256, DmaDirection.TO_DEVICE);
      server.qp.postSend([
        {
          wrId: 2,
          opcode: WrOpcode.SEND,
          flags: SendFlags.SIGNALED,
          sgList: [{ addr: dma, length: 256, lkey: server.pd.localDmaLkey }],
        },
      ]);
    },
    client: (wc: WorkCompletion) => {
      if (wc.status !== WcStatus.SUCCESS) {
        if (wc.wrId === 10) {
          sendStatus = wc.status;
          sendCompletedAtNs = fabric.scheduler.now();
        }
        connectionLost = true;
        return;
      }
      if (wc.opcode === WcOpcode.RECV) {
        replyAtNs = fabric.scheduler.now();
        if (options.lifetime === 'release-on-reply' || sendCompletedAtNs !== null) releaseCall();
        return;
      }
      if (wc.wrId === 10) {
        sendStatus = wc.status;
        sendCompletedAtNs = fabric.scheduler.now();
        if (options.lifetime === 'wait-for-send' && replyAtNs !== null) releaseCall();
      }
    },
  });
  const client: Endpoint = ends.client;
  const server = ends.server;

  if (options.ackLossNs > 0) {
    fabric.addAckLoss({
      from: 'server',
      window: { startNs: fabric.scheduler.now(), endNs: fabric.scheduler.now() + options.ackLossNs },
    });
  }
  const rxDma = clientHost.device.dma.mapPage(clientRx, 0, 4096, DmaDirection.FROM_DEVICE);
  client.qp.postRecv([{ wrId: 11, sgList: [{ addr: rxDma, length: 4096, lkey: client.pd.localDmaLkey }] }]);
  callDma = clientHost.device.dma.mapPage(callPage, 0, CALL_BYTES, DmaDirection.TO_DEVICE);
  const postedAtNs = fabric.scheduler.now();
  client.qp.postSend([
    {
      wrId: 10,
      opcode: WrOpcode.SEND,
      flags: SendFlags.SIGNALED,
      sgList: [{ addr: callDma, length: CALL_BYTES, lkey: client.pd.localDmaLkey }],
    },
  ]);
  await fabric.settle(() => sendCompletedAtNs !== null && (rpcCompletedAtNs !== null || connectionLost));
  fabric.run();

  const tap = fabric.tap;
  const exposures = (tap?.exposures ?? []).map((e) => ({
    timeNs: e.timeNs,
    psn: e.psn,
    owners: e.owners.map((o) => o ?? '(free page)'),
    differingBytes: e.differingBytes,
    // What the retransmission gathered: the new owner's bytes, still in that page.
    sample: printable(clientHost.memory.read(e.sources[0]?.phys ?? 0, 48)),
  }));
  const dmaFaults = (tap?.dmaFaults ?? []).map((f) => ({
    timeNs: f.timeNs,
    reason: f.reason,
    faulted: f.faulted,
    owner: f.owner ?? null,
  }));
  const replyWaited =
    replyAtNs !== null && rpcCompletedAtNs !== null ? Math.max(0, rpcCompletedAtNs - replyAtNs) : 0;
  return {
    lifetime: options.lifetime,
    iommu: options.iommu,
    seed: options.seed,
    ackLossNs: options.ackLossNs,
    rpcCompleted: rpcCompletedAtNs !== null && !connectionLost,
    rpcLatencyNs: rpcCompletedAtNs !== null ? rpcCompletedAtNs - postedAtNs : null,
    replyAtNs,
    sendCompletedAtNs,
    sendStatus: sendStatus === null ? null : wcStatusName(sendStatus),
    replyWaitedForSendNs: replyWaited,
    retransmissions: (tap?.records ?? []).filter((r) => r.retransmission).length,
    connectionLost,
    dmaFaults,
    exposures,
    callDelivered,
    pcap: fabric.pcap(),
  };
}
