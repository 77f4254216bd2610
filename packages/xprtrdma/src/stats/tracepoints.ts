import type { Tracepoint, Tracer } from '@rdmalab/kernel';

/** Tracepoints of the client transport, named after the kernel's rpcrdma trace events. */
export interface XprtRdmaTracepoints {
  readonly marshal: Tracepoint<{
    xid: number;
    hdrlen: number;
    rtype: string;
    wtype: string;
    headlen: number;
    pagelen: number;
    taillen: number;
  }>;
  readonly postSend: Tracepoint<{
    xid: number;
    ctx: number;
    num_sge: number;
    signaled: boolean;
    wrs: number;
  }>;
  readonly postSendErr: Tracepoint<{ xid: number; code: string }>;
  readonly prepsendFailed: Tracepoint<{ xid: number; error: string }>;
  readonly wcSend: Tracepoint<{ ctx: number; status: number; retired: number }>;
  readonly reply: Tracepoint<{ xid: number; credits: number; proc: number; waited: boolean }>;
  readonly flush: Tracepoint<{ reason: string; flushed: number }>;
  readonly reconnect: Tracepoint<{ attempt: number }>;
  readonly emptySendctx: Tracepoint<{ outstanding: number }>;
  /** xprtrdma:createmrs — a refresh created `count` MRs; `total` in the pool now. */
  readonly createMrs: Tracepoint<{ count: number; total: number }>;
}

export function createClientTracepoints(tracer: Tracer): XprtRdmaTracepoints {
  const tp = <F extends Record<string, unknown>>(name: string) => tracer.tracepoint<F>('xprtrdma', name);
  return {
    marshal: tp('marshal'),
    postSend: tp('post_send'),
    postSendErr: tp('post_send_err'),
    prepsendFailed: tp('prepsend_failed'),
    wcSend: tp('wc_send'),
    reply: tp('reply'),
    flush: tp('flush'),
    reconnect: tp('reconnect'),
    emptySendctx: tp('empty_sendctx'),
    createMrs: tp('createmrs'),
  };
}

/** Tracepoints of the server transport (svcrdma). */
export interface SvcRdmaTracepoints {
  readonly recv: Tracepoint<{ conn: number; xid: number; proc: number; byteLen: number }>;
  readonly rdmaRead: Tracepoint<{ conn: number; xid: number; segments: number; bytes: number }>;
  readonly rdmaWrite: Tracepoint<{ conn: number; xid: number; chunk: string; bytes: number }>;
  readonly sendReply: Tracepoint<{
    conn: number;
    xid: number;
    proc: number;
    invalidate: number | null;
    credits: number;
  }>;
  readonly sendError: Tracepoint<{ conn: number; xid: number; err: string }>;
  readonly connFault: Tracepoint<{ conn: number; reason: string }>;
}

export function createServerTracepoints(tracer: Tracer): SvcRdmaTracepoints {
  const tp = <F extends Record<string, unknown>>(name: string) => tracer.tracepoint<F>('svcrdma', name);
  return {
    recv: tp('recv'),
    rdmaRead: tp('rdma_read'),
    rdmaWrite: tp('rdma_write'),
    sendReply: tp('send_reply'),
    sendError: tp('send_error'),
    connFault: tp('conn_fault'),
  };
}
