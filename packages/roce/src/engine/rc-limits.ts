/** Fixed limits of the RC engine, taken from Linux rxe so both backends pace like Soft-RoCE. */

/** The requester stops when this many PSNs are unacknowledged (rxe_param.h RXE_MAX_UNACKED_PSNS). */
export const MAX_UNACKED_PSNS = 128;

/** AckReq is set at least every this many packets inside a long message (rxe_param.h RXE_MAX_PKT_PER_ACK). */
export const MAX_PKT_PER_ACK = 64;

/** rnr_retry / retry_cnt value meaning "retry forever" for RNR NAKs (IBA 9.7.5.2.8). */
export const INFINITE_RNR_RETRY = 7;

/**
 * Local ACK timeout in ns for the 5-bit timeout code: 4.096 µs × 2^code; code 0 = no timer
 * (IBA 9.7.6.1.3; rxe_qp.c qp_timeout_jiffies = 4096ULL << timeout ns).
 */
export function localAckTimeoutNs(code: number): number {
  return code === 0 ? 0 : 4096 * 2 ** code;
}
