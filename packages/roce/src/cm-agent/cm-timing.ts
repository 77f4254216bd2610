/** Timing and retry numbers of the CM, after Linux drivers/infiniband/core/cma.c and cm.c. */

/** rdma_cm's CM response timeout exponent (cma.c CMA_CM_RESPONSE_TIMEOUT): 4.096 µs × 2^20 ≈ 4.3 s. */
export const CMA_CM_RESPONSE_TIMEOUT = 20;
/** How often rdma_cm lets the CM resend a REQ / REP / DREQ (cma.c CMA_MAX_CM_RETRIES). */
export const CMA_MAX_CM_RETRIES = 15;
/** Packet lifetime exponent rdma_cm assumes on RoCE (cma.c CMA_IBOE_PACKET_LIFETIME). */
export const CMA_IBOE_PACKET_LIFETIME = 16;

/** IBA timeouts are 4.096 µs × 2^exponent (IBA 12.7.34 / 9.7.6.1.3). */
export function ibTimeoutNs(exponent: number): number {
  return 4096 * 2 ** exponent;
}

/**
 * How long the CM waits for the answer to a REQ / REP / DREQ before resending (cm.c: twice the
 * packet lifetime plus the peer's CM response time).
 */
export function cmRetryTimeoutNs(responseTimeout: number, packetLifetime: number): number {
  return 2 * ibTimeoutNs(packetLifetime) + ibTimeoutNs(responseTimeout);
}
