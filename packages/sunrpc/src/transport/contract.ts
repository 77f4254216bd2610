import type { Scheduler } from '@rdmalab/kernel';
import type { InjectionToken } from 'tsyringe';
import type { RpcTransportReplyError } from '../rpc/errors.js';
import type { XdrBuf, XdrPageRange } from '../xdr/xdr-buf.js';
import type { TransportError } from './errors.js';

/**
 * The transport switch: the seam between the RPC layer and the byte movers (TCP with record
 * marking, RPC-over-RDMA), like the kernel's `struct rpc_xprt_ops` / `struct svc_xprt_ops`. A
 * transport class registers under a name and ident (xprt_register_transport); clients and servers
 * pick one by name.
 */

/** Transport idents as the kernel numbers them (include/linux/sunrpc/xprtsock.h, xprtrdma.h). */
export const XPRT_TRANSPORT_TCP = 6; // IPPROTO_TCP
export const XPRT_TRANSPORT_RDMA = 256;

/**
 * A request slot (the kernel's `struct rpc_rqst` as the slot table hands it out). A transport may
 * return a richer object (an RDMA request with registered buffers); the client only uses `id`.
 */
export interface RpcSlot {
  readonly id: number;
}

/** Where a reply's bulk data should land, when the transport can place it (an RDMA Write chunk). */
export interface ReplyPlacement {
  /** The caller's pages for the payload of a READ-type reply. */
  readonly pages?: XdrPageRange;
  /** XDRBUF_READ when `pages` receive READ data. */
  readonly flags: number;
  /**
   * The largest reply the caller expects (RPC reply header + results, page data included), bytes,
   * or undefined when the caller gave no hint. Like the kernel's rq_rcvsize: a transport with an
   * inline threshold compares it with its own threshold (RDMA offers a reply chunk only when it is
   * larger); without it, the transport expects `headLength` + the pages' length at most.
   */
  readonly maxLength?: number;
  /**
   * Bytes of the reply before the page data: the RPC reply header and the results up to and
   * including the data item's length word (the kernel's rq_rcv_buf.head[0].iov_len). An upper
   * bound — optional results (NFS post_op_attr) may make the real head shorter; a transport that
   * places the data itself (an RDMA write chunk) splits the inline reply at
   * min(headLength, inline bytes). Undefined without `pages`, or when the caller gave no hint.
   */
  readonly headLength?: number;
}

/** One call as the client hands it to the transport. */
export interface RpcRequest {
  readonly xid: number;
  readonly slot: RpcSlot;
  readonly prog: number;
  readonly vers: number;
  readonly proc: number;
  /** The encoded call: head, the page list (XDRBUF_WRITE payload) and tail — send as is. */
  readonly sndBuf: XdrBuf;
  readonly reply: ReplyPlacement;
  /** How many times this request has been handed to the transport before (0 = first). */
  readonly transmissions: number;
}

/** Counters a transport reports (the `xprt:` line of mountstats and transport-specific extras). */
export interface TransportStats {
  readonly connects: number;
  readonly disconnects: number;
  readonly sends: number;
  readonly receives: number;
  /** Replies whose xid matched no outstanding request (reported by the client). */
  readonly badXids: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** Transport-specific counters (e.g. RDMA: empty_sendctx_q, reply_waits_for_send). */
  readonly extra: Readonly<Record<string, number>>;
}

/** Callbacks from a client transport to the client that owns it. */
export interface ClientTransportEvents {
  /** A reply arrived (the transport has read the xid; the client matches it). */
  onReply(xid: number, reply: XdrBuf): void;
  /**
   * The peer answered call `xid` with a transport-level error instead of a reply (RPC-over-RDMA
   * RDMA_ERROR): the client fails that call at once with `error`. The connection stays up.
   */
  onReplyError(xid: number, error: RpcTransportReplyError): void;
  /** The connection was lost (not after the owner's own close). The client reconnects and retransmits. */
  onDisconnect(error: TransportError): void;
  /** Sending may resume after an EAGAIN. */
  onWriteSpace(): void;
  /**
   * `allocSlot` may succeed again although the client released no slot: the transport recycled
   * one on its own (RDMA: a request whose recycling waited for its Send to complete). The client
   * retries its backlog.
   */
  onSlotsAvailable(): void;
  /** How many requests may be outstanding (RDMA credits; a TCP slot table size). */
  onCongestionWindow(cwnd: number): void;
}

/**
 * Client side of a transport (the kernel's rpc_xprt_ops). Single-threaded: methods are never
 * called re-entrantly from the transport's own callbacks.
 */
export interface ClientTransport {
  /** Registered class name ("tcp", "rdma"). */
  readonly transportName: string;
  readonly ident: number;
  /** "host:port" of the peer, for messages and stats. */
  readonly remoteAddress: string;
  readonly connected: boolean;
  /** Install the owner's callbacks; once, before `connect`. */
  attach(events: ClientTransportEvents): void;
  /**
   * Connect (or reconnect). Resolves once connected; rejects with a TransportError
   * (ECONNREFUSED…). The transport applies its own reconnect backoff, so the client may call it
   * again at once after a failure.
   */
  connect(): Promise<void>;
  /** Close for good: outstanding sends fail, no further events are delivered. */
  close(): Promise<void>;
  /** A free slot, or null when none is free (the client puts the task on its backlog). */
  allocSlot(): RpcSlot | null;
  freeSlot(slot: RpcSlot): void;
  /**
   * A buffer for the encoded call head (e.g. a registered send buffer), or undefined to let the
   * encoder allocate. The client encodes into it; if the call outgrows it, the head the transport
   * is given in `sndBuf` is a different array and the transport copies.
   */
  allocSendBuffer(slot: RpcSlot, sizeHint: number): Uint8Array | undefined;
  /** The client is done with the request: release its buffers and any per-request state. */
  freeRequest(request: RpcRequest): void;
  /**
   * Transmit a request. Resolves when the transport no longer needs `sndBuf` (its pages and head
   * may be reused): for TCP when the bytes are handed to the socket; for RDMA when it says so.
   * Rejects with TransportError EAGAIN (no write space: the client waits for `onWriteSpace`),
   * ENOTCONN (reconnect and retransmit) or another code (the call fails).
   */
  sendRequest(request: RpcRequest): Promise<void>;
  /** Drop the connection as a network failure would (tests, fault injection). */
  injectDisconnect(): void;
  stats(): TransportStats;
}

/** One received call as a server transport delivers it. Transports may extend it with private state. */
export interface ReceivedCall {
  readonly connection: ServerConnection;
  /** The call message: head (and, for RDMA read chunks, pages with XDRBUF_WRITE payload). */
  readonly buf: XdrBuf;
}

/** A connection (or RDMA queue pair) a server transport accepted. */
export interface ServerConnection {
  readonly id: number;
  readonly remoteAddress: string;
  readonly open: boolean;
  /**
   * Send the reply to `call`. The reply's page list may carry XDRBUF_READ payload the transport
   * places by chunk. Resolves when the transport no longer needs `reply`'s memory.
   */
  sendReply(call: ReceivedCall, reply: XdrBuf): Promise<void>;
  /** The server will not reply to `call` (dropped): release what the transport holds for it. */
  dropCall(call: ReceivedCall): void;
  close(): void;
}

/** Callbacks from a server transport to the server. */
export interface ServerTransportEvents {
  onConnection(connection: ServerConnection): void;
  onCall(call: ReceivedCall): void;
  /** A connection ended; `error` when it ended on a fault (an oversized record, a reset). */
  onConnectionClosed(connection: ServerConnection, error?: TransportError): void;
}

/** Server side of a transport (the kernel's svc_xprt_ops). */
export interface ServerTransport {
  readonly transportName: string;
  /** Start accepting; resolves with the bound address (port 0 picks a free port). */
  listen(events: ServerTransportEvents): Promise<{ host: string; port: number }>;
  /** Stop accepting and close every connection. */
  close(): Promise<void>;
  readonly connectionCount: number;
  stats(): TransportStats;
}

export interface ClientTransportArgs {
  readonly host: string;
  readonly port: number;
  /** Time source for timers the transport keeps (reconnect backoff). */
  readonly scheduler: Scheduler;
}

export interface ServerTransportArgs {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly scheduler: Scheduler;
}

/**
 * A transport class as registered in the switch. Class-specific tuning (record size limits,
 * inline thresholds, devices) is given to the class when it is constructed.
 */
export interface TransportClass {
  /** "tcp", "rdma". */
  readonly name: string;
  /** XPRT_TRANSPORT_* ident. */
  readonly ident: number;
  /** rpcbind netid ("tcp", "rdma"). */
  readonly netid: string;
  createClient(args: ClientTransportArgs): ClientTransport;
  createServer(args: ServerTransportArgs): ServerTransport;
}

/** The registry of transport classes (xprt_register_transport / xprt_find_transport_ident). */
export interface TransportRegistry {
  /** EEXIST if the name or ident is taken. */
  register(transportClass: TransportClass): void;
  /** False if it was not registered. */
  unregister(name: string): boolean;
  /** ENOENT if unknown. */
  get(name: string): TransportClass;
  /** ENOENT if unknown. */
  getByIdent(ident: number): TransportClass;
  has(name: string): boolean;
  list(): readonly TransportClass[];
}

export const TRANSPORT_REGISTRY: InjectionToken<TransportRegistry> = Symbol(
  'rdmalab.sunrpc.TransportRegistry',
);
