import type { Device, ProtectionDomain } from '../device.js';
import type { CreateQpOptions, QueuePair } from '../queue-pair.js';
import type { CmEventType } from './cm-event.js';

/** An IPv4 endpoint. RoCEv2 itself always uses UDP 4791; `port` is the rdma_cm service port (e.g. 20049). */
export interface CmAddress {
  ip: string;
  port: number;
}

/** rdma_conn_param: what the REQ / REP carry besides the QP. */
export interface ConnParams {
  /** ULP private data: REQ up to 56 bytes after the 36-byte cma header; REP up to 196. */
  privateData?: Uint8Array;
  /** RDMA READs this side will serve (responder_resources). */
  responderResources?: number;
  /** RDMA READs this side will issue (initiator_depth). */
  initiatorDepth?: number;
  /** Local ACK timeout retries the peer's QP gets (0..7). */
  retryCount?: number;
  /** RNR retries the peer's QP gets (0..7, 7 = infinite). */
  rnrRetryCount?: number;
}

/** An event delivered to a CM id's handler (rdma_cm_event). */
export interface CmEvent {
  type: CmEventType;
  id: CmId;
  /** CONNECT_REQUEST: the new id for the incoming connection, bound to the listener's device. */
  newId?: CmId;
  /** CONNECT_REQUEST / ESTABLISHED / REJECTED: the peer's private data. */
  privateData?: Uint8Array;
  /** CONNECT_REQUEST: the parameters the initiator asked for. */
  param?: ConnParams;
  /** REJECTED / UNREACHABLE: why (IB CM reject reason or errno name). */
  status?: number | string;
}

export type CmEventHandler = (event: CmEvent) => void;

/**
 * An rdma_cm_id. Typical active side: createId → resolveRoute(dst) → createQp → connect → ESTABLISHED.
 * Passive side: createId → bind → listen → CONNECT_REQUEST(newId) → newId.createQp → newId.accept.
 * Either side: disconnect → DISCONNECTED on both, and the QP is moved to ERR so posted WRs flush.
 */
export interface CmId {
  readonly local: CmAddress | undefined;
  readonly remote: CmAddress | undefined;
  /** The device the address resolved to; set after bind/resolveRoute or on a CONNECT_REQUEST id. */
  readonly device: Device | undefined;
  readonly qp: QueuePair | undefined;
  /** Bind to a local address (the device owning it). EADDRINUSE, EADDRNOTAVAIL-like ENODEV. */
  bind(address: CmAddress): void;
  /** Resolve the route to `destination` from `source` (or the default local address): sets `device`. */
  resolveRoute(destination: CmAddress, source?: string): void;
  /** rdma_create_qp: create the id's QP on its device in `pd`; the CM drives its state transitions. */
  createQp(pd: ProtectionDomain, options: CreateQpOptions): QueuePair;
  listen(backlog?: number): void;
  /** Send the REQ; the outcome arrives as ESTABLISHED, REJECTED, UNREACHABLE or CONNECT_ERROR. */
  connect(params: ConnParams): void;
  accept(params: ConnParams): void;
  reject(privateData?: Uint8Array): void;
  /** Send DREQ (or tear down locally) and move the QP to ERR. Idempotent. */
  disconnect(): void;
  /** rdma_destroy_id: disconnects if needed and destroys the QP. */
  destroy(): void;
}

/** The connection manager of one host (the rdma_cm of its stack). */
export interface ConnectionManager {
  createId(handler: CmEventHandler): CmId;
}
