/**
 * Send work request opcodes: `enum ibv_wr_opcode` (libibverbs/verbs.h) values, plus the kernel's
 * fast-registration opcode `IB_WR_REG_MR` (include/rdma/ib_verbs.h, 0x20), which kernel ULPs such as
 * xprtrdma post on the Send Queue to register chunk memory.
 */
export const WrOpcode = {
  RDMA_WRITE: 0,
  RDMA_WRITE_WITH_IMM: 1,
  SEND: 2,
  SEND_WITH_IMM: 3,
  RDMA_READ: 4,
  ATOMIC_CMP_AND_SWP: 5,
  ATOMIC_FETCH_AND_ADD: 6,
  LOCAL_INV: 7,
  BIND_MW: 8,
  SEND_WITH_INV: 9,
  REG_MR: 0x20,
} as const;
export type WrOpcode = (typeof WrOpcode)[keyof typeof WrOpcode];

const names = new Map<number, string>(Object.entries(WrOpcode).map(([n, v]) => [v, n]));
export function wrOpcodeName(opcode: number): string {
  return names.get(opcode) ?? `UNKNOWN(${opcode})`;
}
