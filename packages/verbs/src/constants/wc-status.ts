/**
 * Work completion status, `enum ibv_wc_status` (rdma-core libibverbs/verbs.h) — the same numbers as
 * the kernel's `enum ib_wc_status`. Only `wrId`, `status`, `qpNum` and `vendorErr` of a completion
 * are meaningful when the status is not SUCCESS (ibv_poll_cq(3)).
 */
export const WcStatus = {
  SUCCESS: 0,
  LOC_LEN_ERR: 1,
  LOC_QP_OP_ERR: 2,
  LOC_EEC_OP_ERR: 3,
  /** A local SGE failed protection checks: bad lkey, or (strict IOMMU) a DMA read of an unmapped address. */
  LOC_PROT_ERR: 4,
  /** The WR was outstanding (or posted) when the QP went to the error state. */
  WR_FLUSH_ERR: 5,
  MW_BIND_ERR: 6,
  BAD_RESP_ERR: 7,
  LOC_ACCESS_ERR: 8,
  REM_INV_REQ_ERR: 9,
  /** The responder NAKed with a remote access error (rkey, bounds or access flags). */
  REM_ACCESS_ERR: 10,
  REM_OP_ERR: 11,
  /** Local ACK timeout expired retry_cnt + 1 times. */
  RETRY_EXC_ERR: 12,
  /** The responder kept answering RNR NAK beyond rnr_retry. */
  RNR_RETRY_EXC_ERR: 13,
  LOC_RDD_VIOL_ERR: 14,
  REM_INV_RD_REQ_ERR: 15,
  REM_ABORT_ERR: 16,
  INV_EECN_ERR: 17,
  INV_EEC_STATE_ERR: 18,
  FATAL_ERR: 19,
  RESP_TIMEOUT_ERR: 20,
  GENERAL_ERR: 21,
} as const;
export type WcStatus = (typeof WcStatus)[keyof typeof WcStatus];

const statusNames = new Map<number, string>(Object.entries(WcStatus).map(([name, value]) => [value, name]));

/** `ibv_wc_status_str()` analogue: the symbolic name, e.g. "LOC_PROT_ERR". */
export function wcStatusName(status: number): string {
  return statusNames.get(status) ?? `UNKNOWN(${status})`;
}
