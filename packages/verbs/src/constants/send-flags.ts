/** `enum ibv_send_flags` (libibverbs/verbs.h); combine with `|`. */
export const SendFlags = {
  NONE: 0,
  /** Wait for all prior RDMA READ and atomic WRs to complete before this one starts. */
  FENCE: 1 << 0,
  /** Generate a completion. Without it the WR completes silently unless it fails (IBA 10.7.3.1). */
  SIGNALED: 1 << 1,
  /** Set the BTH SE bit on the last packet: wakes a peer armed with solicited-only notification. */
  SOLICITED: 1 << 2,
  /** Copy the payload at post time; the buffers may be reused on return and their lkey is not checked. */
  INLINE: 1 << 3,
} as const;
export type SendFlags = number;
