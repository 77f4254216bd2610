import { TransportError } from '@rdmalab/sunrpc';
import type { DeviceAttributes } from '@rdmalab/verbs';
import { RPCRDMA_MAX_DATA_SEGS } from '../policies/mr-pool/policy.js';
import { RPCRDMA_BACKWARD_SENDS } from '../protocol/constants.js';

/** Chunks one RPC may register: a read chunk (or position-zero chunk), a write chunk, a reply chunk. */
export const MAX_CHUNKS_PER_RPC = 3;

/** How a connection is sized (verbs.c rpcrdma_ep_create, frwr_query_device). */
export interface EndpointSizing {
  /** Requests the transport allows outstanding (re_max_requests), after device clamping. */
  readonly maxRequests: number;
  /**
   * WRs one RPC may post: REG and LOCAL_INV for head, page list and tail, plus the Send (7), and
   * 2 more per extra MR the page list needs when the device's fast-registration depth is below
   * RPCRDMA_MAX_DATA_SEGS pages.
   */
  readonly depth: number;
  /** Send Queue depth: maxRequests × depth + 1 for the drain WR. */
  readonly maxSendWr: number;
  /** Receive Queue depth: one receive per request plus the backchannel's. */
  readonly maxRecvWr: number;
  /** Send-context ring size: maxRequests + backchannel slots. */
  readonly ringSize: number;
  /** SGEs per Send: header, head, then gathered pages and tail. */
  readonly maxSendSge: number;
  /** FRWR MRs per connection. */
  readonly mrCount: number;
}

/**
 * WRs per RPC as frwr_query_device computes them: 7, plus REG + LOCAL_INV for each further MR a
 * payload of RPCRDMA_MAX_DATA_SEGS pages needs at `maxFastRegPageListLen` pages per MR.
 */
export function sendWrDepth(maxFastRegPageListLen: number): number {
  const frDepth = Math.max(1, Math.min(maxFastRegPageListLen, RPCRDMA_MAX_DATA_SEGS));
  const extraMrs = Math.ceil((RPCRDMA_MAX_DATA_SEGS - frDepth) / frDepth);
  return 1 + 2 * MAX_CHUNKS_PER_RPC + 2 * extraMrs;
}

/**
 * Size the endpoint from the request limit and the device, as the kernel does: if the Send Queue
 * the limit needs exceeds max_qp_wr, the request limit shrinks to fit.
 */
export function sizeEndpoint(
  wantedRequests: number,
  attrs: DeviceAttributes,
  maxInlineSend: number,
): EndpointSizing {
  const depth = sendWrDepth(attrs.maxFastRegPageListLen);
  let maxRequests = wantedRequests;
  if (maxRequests * depth + 1 > attrs.maxQpWr) maxRequests = Math.floor((attrs.maxQpWr - 1) / depth);
  if (maxRequests < 1) {
    throw new TransportError(
      'EINVAL',
      `device max_qp_wr ${attrs.maxQpWr} cannot hold one request of depth ${depth}`,
    );
  }
  // header + head + one SGE per page of an inline page list and the tail
  const maxSendSge = Math.min(attrs.maxSendSge, 2 + Math.ceil(maxInlineSend / 4096) + 2);
  return {
    maxRequests,
    depth,
    maxSendWr: maxRequests * depth + 1,
    maxRecvWr: maxRequests + RPCRDMA_BACKWARD_SENDS + 1,
    ringSize: maxRequests + RPCRDMA_BACKWARD_SENDS,
    maxSendSge,
    mrCount: maxRequests * MAX_CHUNKS_PER_RPC,
  };
}
