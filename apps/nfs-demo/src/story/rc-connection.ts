import type { SimFabric, SimHost } from '@rdmalab/hca-sim';
import {
  type CmEvent,
  CmEventType,
  type CompletionQueue,
  type ProtectionDomain,
  type QueuePair,
  type WorkCompletion,
} from '@rdmalab/verbs';

/** One end of a CM-connected RC connection whose completions are delivered by callback. */
export interface Endpoint {
  host: SimHost;
  pd: ProtectionDomain;
  cq: CompletionQueue;
  qp: QueuePair;
  completions: WorkCompletion[];
}

const CAP = { maxSendWr: 32, maxRecvWr: 32, maxSendSge: 4, maxRecvSge: 4, maxInlineData: 0 };
const SERVICE_PORT = 20049;

function endpointParts(host: SimHost, onCompletion: (wc: WorkCompletion) => void) {
  const pd = host.device.allocPd();
  const completions: WorkCompletion[] = [];
  const cq = host.device.createCq({
    capacity: 256,
    mode: 'callback',
    onCompletion: (wc) => {
      completions.push(wc);
      onCompletion(wc);
    },
  });
  return { pd, cq, completions };
}

/**
 * Connect `client` to `server` through the simulated rdma_cm (real CM MADs on the wire), the server
 * listening on the NFS/RDMA port. `prepareServer` runs on the server's new QP before it accepts, so
 * receives are posted before the first Send can arrive.
 */
export async function connectRc(
  fabric: SimFabric,
  client: SimHost,
  server: SimHost,
  handlers: {
    client: (wc: WorkCompletion) => void;
    server: (wc: WorkCompletion) => void;
    prepareServer: (end: Endpoint) => void;
  },
): Promise<{ client: Endpoint; server: Endpoint }> {
  let serverEnd: Endpoint | undefined;
  const events: CmEvent[] = [];
  const listener = server.cm.createId((event) => {
    events.push(event);
    if (event.type !== CmEventType.CONNECT_REQUEST || !event.newId) return;
    const parts = endpointParts(server, handlers.server);
    const qp = event.newId.createQp(parts.pd, { type: 'RC', sendCq: parts.cq, recvCq: parts.cq, cap: CAP });
    serverEnd = { host: server, qp, ...parts };
    handlers.prepareServer(serverEnd);
    event.newId.accept({});
  });
  listener.bind({ ip: server.ip, port: SERVICE_PORT });
  listener.listen();

  const parts = endpointParts(client, handlers.client);
  let established = false;
  const id = client.cm.createId((event) => {
    events.push(event);
    if (event.type === CmEventType.ESTABLISHED) established = true;
  });
  id.resolveRoute({ ip: server.ip, port: SERVICE_PORT });
  const qp = id.createQp(parts.pd, { type: 'RC', sendCq: parts.cq, recvCq: parts.cq, cap: CAP });
  id.connect({ retryCount: 6, rnrRetryCount: 0 });
  const ok = await fabric.settle(() => established && serverEnd !== undefined);
  if (!ok || !serverEnd) {
    throw new Error(
      `the simulated CM did not establish a connection (events: ${events.map((e) => e.type).join(',')})`,
    );
  }
  return { client: { host: client, qp, ...parts }, server: serverEnd };
}
