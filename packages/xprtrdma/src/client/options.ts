import type { Scheduler, Tracer } from '@rdmalab/kernel';
import type { ConnectionManager } from '@rdmalab/verbs';
import type { SendPathPolicies } from '../policies/presets.js';

/** Everything a client transport is built from. */
export interface RdmaClientOptions {
  /** The connection manager of the client's host. */
  readonly cm: ConnectionManager;
  /** Server address and rdma_cm port (NFS/RDMA: 20049). */
  readonly host: string;
  readonly port: number;
  /** Local address to connect from (default: the CM's default route). */
  readonly sourceIp?: string;
  readonly scheduler: Scheduler;
  readonly policies: SendPathPolicies;
  /** Tracepoints go to this tracer's sinks. */
  readonly tracer?: Tracer;
  /** Request limit (the slot table and the credits we ask for). Default 128; clamped by the device. */
  readonly maxRequests?: number;
  /** Inline thresholds this side offers, bytes incl. the transport header; 1024..4096. Default 4096. */
  readonly inlineSend?: number;
  readonly inlineRecv?: number;
  /** Accept Send With Invalidate from the server (advertised in the CM private data). Default true. */
  readonly allowRemoteInvalidate?: boolean;
  /** Retry count asked of the peer and used locally (0..7). Default 6, as xprtrdma. */
  readonly retryCount?: number;
  /** Name used in page owner tags and traces. */
  readonly label?: string;
}
