/** `enum ibv_access_flags` (libibverbs/verbs.h). REMOTE_WRITE and REMOTE_ATOMIC require LOCAL_WRITE (ibv_reg_mr(3)). */
export const AccessFlags = {
  NONE: 0,
  LOCAL_WRITE: 1 << 0,
  REMOTE_WRITE: 1 << 1,
  REMOTE_READ: 1 << 2,
  REMOTE_ATOMIC: 1 << 3,
  MW_BIND: 1 << 4,
} as const;
export type AccessFlags = number;
