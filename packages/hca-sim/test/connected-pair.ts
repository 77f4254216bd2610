import {
  type CmEvent,
  CmEventType,
  type CmId,
  type CompletionQueue,
  DmaDirection,
  type ProtectionDomain,
  type QueuePair,
  type WorkCompletion,
} from '@rdmalab/verbs';
import type { SimFabricOptions, SimHostOptions } from '../src/fabric/sim-fabric.js';
import { SimFabric } from '../src/fabric/sim-fabric.js';
import type { SimHost } from '../src/fabric/sim-host.js';

/** One end of a CM-connected RC connection on the simulated fabric. */
export interface End {
  host: SimHost;
  pd: ProtectionDomain;
  cq: CompletionQueue;
  qp: QueuePair;
  id: CmId;
  events: CmEvent[];
  /** Completions polled so far, in order. */
  completions: WorkCompletion[];
  poll(): WorkCompletion[];
}

export const PORT = 20049;

function makeEnd(host: SimHost, id: CmId, events: CmEvent[]): Omit<End, 'qp'> {
  const pd = host.device.allocPd();
  const cq = host.device.createCq({ capacity: 256, mode: 'poll' });
  const completions: WorkCompletion[] = [];
  return {
    host,
    pd,
    cq,
    id,
    events,
    completions,
    poll() {
      const got = cq.poll(256);
      completions.push(...got);
      return got;
    },
  };
}

const cap = { maxSendWr: 32, maxRecvWr: 32, maxSendSge: 4, maxRecvSge: 4, maxInlineData: 0 };

/**
 * Two hosts, 'client' (10.0.0.1) and 'server' (10.0.0.2), connected through the CM: the server listens
 * on 20049 and accepts, the client connects. Resolves once both sides saw ESTABLISHED.
 */
export async function connectedPair(
  fabricOptions: SimFabricOptions = {},
  hostOptions: { client?: Partial<SimHostOptions>; server?: Partial<SimHostOptions> } = {},
): Promise<{ fabric: SimFabric; client: End; server: End }> {
  const fabric = new SimFabric({ seed: 42, ...fabricOptions });
  const clientHost = fabric.addHost('client', { ip: '10.0.0.1', ...hostOptions.client });
  const serverHost = fabric.addHost('server', { ip: '10.0.0.2', ...hostOptions.server });
  const serverEvents: CmEvent[] = [];
  let server: End | undefined;
  const listener = serverHost.cm.createId((event) => {
    serverEvents.push(event);
    if (event.type === CmEventType.CONNECT_REQUEST) {
      const id = event.newId!;
      const end = makeEnd(serverHost, id, serverEvents);
      const qp = id.createQp(end.pd, { type: 'RC', sendCq: end.cq, recvCq: end.cq, cap });
      server = { ...end, qp };
      id.accept({ privateData: new TextEncoder().encode('welcome') });
    }
  });
  listener.bind({ ip: '10.0.0.2', port: PORT });
  listener.listen();
  const clientEvents: CmEvent[] = [];
  const clientId = clientHost.cm.createId((event) => clientEvents.push(event));
  clientId.resolveRoute({ ip: '10.0.0.2', port: PORT });
  const clientEnd = makeEnd(clientHost, clientId, clientEvents);
  const clientQp = clientId.createQp(clientEnd.pd, {
    type: 'RC',
    sendCq: clientEnd.cq,
    recvCq: clientEnd.cq,
    cap,
  });
  clientId.connect({ privateData: new TextEncoder().encode('hello'), retryCount: 7, rnrRetryCount: 7 });
  const ok = await fabric.settle(
    () =>
      clientEvents.some((e) => e.type === CmEventType.ESTABLISHED) &&
      serverEvents.some((e) => e.type === CmEventType.ESTABLISHED),
  );
  if (!ok || !server)
    throw new Error(`connection not established: client ${JSON.stringify(clientEvents.map((e) => e.type))}`);
  return { fabric, client: { ...clientEnd, qp: clientQp }, server };
}

/** Allocate a page owned by `owner`, fill it with `fill`, DMA-map `length` bytes of it for the device. */
export function mappedBuffer(
  end: End,
  owner: string,
  fill: number,
  length: number,
  direction: DmaDirection = DmaDirection.TO_DEVICE,
) {
  const page = end.host.memory.alloc(owner);
  page.bytes.fill(fill, 0, length);
  const dma = end.host.device.dma.mapPage(page, 0, length, direction);
  return { page, dma, length };
}
