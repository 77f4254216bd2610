import type { Scheduler, Tracer } from '@rdmalab/kernel';
import type { ConnectionManager } from '@rdmalab/verbs';

/** Everything a server transport is built from. */
export interface RdmaServerOptions {
  /** The connection manager of the server's host. */
  readonly cm: ConnectionManager;
  /** Address and rdma_cm port to listen on (NFS/RDMA: 20049). */
  readonly host: string;
  readonly port: number;
  readonly scheduler: Scheduler;
  readonly tracer?: Tracer;
  /** Credits granted per connection (sc_max_requests); receives stay posted for each. Default 32. */
  readonly credits?: number;
  /** Inline thresholds offered, bytes incl. the transport header; 1024..4096. Default 4096. */
  readonly inlineSend?: number;
  readonly inlineRecv?: number;
  /** Use Send With Invalidate when the client allows it. Default true. */
  readonly sendWithInvalidate?: boolean;
  readonly label?: string;
}
