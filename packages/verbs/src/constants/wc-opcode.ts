/**
 * Work completion opcode, `enum ibv_wc_opcode` (libibverbs/verbs.h). Receive completions have bit 7
 * set, so `(opcode & WcOpcode.RECV) !== 0` tests for a receive, as in the kernel.
 */
export const WcOpcode = {
  SEND: 0,
  RDMA_WRITE: 1,
  RDMA_READ: 2,
  COMP_SWAP: 3,
  FETCH_ADD: 4,
  BIND_MW: 5,
  LOCAL_INV: 6,
  TSO: 7,
  /**
   * Completion of an IB_WR_REG_MR (fast registration). Kernel-internal: `enum ib_wc_opcode` places it
   * after the uverbs-aligned values; userspace never sees it. Not on any wire.
   */
  REG_MR: 10,
  RECV: 128,
  RECV_RDMA_WITH_IMM: 129,
} as const;
export type WcOpcode = (typeof WcOpcode)[keyof typeof WcOpcode];

/** `enum ib_wc_flags` bits carried in a completion. */
export const WcFlags = {
  GRH: 1 << 0,
  WITH_IMM: 1 << 1,
  WITH_INVALIDATE: 1 << 2,
} as const;
