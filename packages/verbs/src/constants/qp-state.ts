/** `enum ibv_qp_state` (libibverbs/verbs.h). */
export const QpState = {
  RESET: 0,
  INIT: 1,
  /** Ready to receive. */
  RTR: 2,
  /** Ready to send. */
  RTS: 3,
  SQD: 4,
  SQE: 5,
  ERR: 6,
} as const;
export type QpState = (typeof QpState)[keyof typeof QpState];

const names = new Map<number, string>(Object.entries(QpState).map(([n, v]) => [v, n]));
export function qpStateName(state: number): string {
  return names.get(state) ?? `UNKNOWN(${state})`;
}
