import type { SimHost } from '@rdmalab/hca-sim';
import { PAGE_SIZE } from '@rdmalab/kernel';
import { CmEventType, DmaDirection, SendFlags, WcStatus, WrOpcode } from '@rdmalab/verbs';
import {
  decodeHeader,
  encodeConnectPrivate,
  encodeHeader,
  type RdmaMsgHeader,
  type RpcRdmaHeader,
} from '../../src/index.js';

/** What the scripted responder sends back for one Call: a transport header and the inline body. */
export interface ScriptedAnswer {
  readonly header: RpcRdmaHeader;
  readonly body?: Uint8Array;
}

/**
 * A bare RPC-over-RDMA responder on raw verbs: accepts one connection with 4096-byte inline
 * thresholds, keeps receives posted, and answers the n-th Call with whatever `answer` returns —
 * e.g. an RDMA_ERROR ERR_VERS, which a real v1 server never sends to a v1 client.
 */
export function listenScripted(
  host: SimHost,
  port: number,
  answer: (call: RdmaMsgHeader, inline: Uint8Array, n: number) => ScriptedAnswer,
): { readonly calls: number } {
  const device = host.device;
  const pd = device.allocPd();
  const cq = device.createCq({ capacity: 256, mode: 'callback', label: 'scripted.cq' });
  const state = { calls: 0 };
  const send = { page: host.memory.alloc('scripted:send'), addr: 0 };
  send.addr = device.dma.mapPage(send.page, 0, PAGE_SIZE, DmaDirection.TO_DEVICE);
  const listener = host.cm.createId((event) => {
    if (event.type !== CmEventType.CONNECT_REQUEST || event.newId === undefined) return;
    const id = event.newId;
    const qp = id.createQp(pd, {
      type: 'RC',
      sendCq: cq,
      recvCq: cq,
      cap: { maxSendWr: 64, maxRecvWr: 64, maxSendSge: 1, maxRecvSge: 1, maxInlineData: 0 },
    });
    for (let i = 0; i < 32; i++) {
      const page = host.memory.alloc(`scripted:recv${i}`);
      const addr = device.dma.mapPage(page, 0, PAGE_SIZE, DmaDirection.FROM_DEVICE);
      const post = (): void =>
        qp.postRecv([
          {
            wrId: i,
            sgList: [{ addr, length: PAGE_SIZE, lkey: pd.localDmaLkey }],
            cqe: {
              done: (wc) => {
                if (wc.status !== WcStatus.SUCCESS) return;
                device.dma.syncForCpu(addr, wc.byteLen, DmaDirection.FROM_DEVICE);
                const bytes = page.bytes.slice(0, wc.byteLen);
                post();
                const decoded = decodeHeader(bytes);
                if (decoded.header.proc === 4) return;
                const out = answer(
                  decoded.header as RdmaMsgHeader,
                  bytes.subarray(decoded.length),
                  state.calls++,
                );
                const hdrLen = encodeHeader(out.header, send.page.bytes);
                const body = out.body ?? new Uint8Array(0);
                send.page.bytes.set(body, hdrLen);
                device.dma.syncForDevice(send.addr, hdrLen + body.length, DmaDirection.TO_DEVICE);
                qp.postSend([
                  {
                    wrId: 0,
                    opcode: WrOpcode.SEND,
                    sgList: [{ addr: send.addr, length: hdrLen + body.length, lkey: pd.localDmaLkey }],
                    flags: SendFlags.SIGNALED,
                    cqe: { done: () => {} },
                  },
                ]);
              },
            },
          },
        ]);
      post();
    }
    id.accept({
      privateData: encodeConnectPrivate({ sendWithInvalidateOk: false, inlineSend: 4096, inlineRecv: 4096 }),
      initiatorDepth: 0,
      responderResources: 0,
    });
  });
  listener.bind({ ip: host.ip, port });
  listener.listen();
  return state;
}
