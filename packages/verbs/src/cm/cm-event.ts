/** `enum rdma_cm_event_type` (librdmacm/rdma_cma.h, include/rdma/rdma_cm.h). */
export const CmEventType = {
  ADDR_RESOLVED: 0,
  ADDR_ERROR: 1,
  ROUTE_RESOLVED: 2,
  ROUTE_ERROR: 3,
  CONNECT_REQUEST: 4,
  CONNECT_RESPONSE: 5,
  CONNECT_ERROR: 6,
  UNREACHABLE: 7,
  REJECTED: 8,
  ESTABLISHED: 9,
  DISCONNECTED: 10,
  DEVICE_REMOVAL: 11,
  MULTICAST_JOIN: 12,
  MULTICAST_ERROR: 13,
  ADDR_CHANGE: 14,
  TIMEWAIT_EXIT: 15,
} as const;
export type CmEventType = (typeof CmEventType)[keyof typeof CmEventType];

const names = new Map<number, string>(Object.entries(CmEventType).map(([n, v]) => [v, n]));
export function cmEventName(type: number): string {
  return names.get(type) ?? `UNKNOWN(${type})`;
}
