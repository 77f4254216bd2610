/**
 * Every case of the conformance kit, by stable name. A backend names a case here to declare it
 * unsupported; the names appear in the test titles and never change meaning once published.
 */
export const conformanceCases = [
  'qp-state-transitions',
  'qp-invalid-transitions',
  'post-send-invalid-wr',
  'send-recv-multi-sge',
  'send-with-imm',
  'zero-length-send',
  'message-larger-than-mtu',
  'rdma-write',
  'rdma-write-with-imm',
  'rdma-read',
  'rdma-write-out-of-bounds',
  'rdma-read-access-violation',
  'qp-access-error-event',
  'send-with-invalidate',
  'reg-mr-local-inv',
  'send-queue-full',
  'unsignaled-retirement',
  'rnr-retry-then-success',
  'rnr-retry-exceeded',
  'ack-loss-retransmission',
  'retry-exceeded',
  'transient-partition-recovers',
  'completion-ordering',
  'local-protection-error',
  'post-in-err-flushes',
  'cq-poll-mode',
  'cq-callback-mode',
  'cq-overflow',
] as const;

/** The name of one conformance case, e.g. `'rnr-retry-exceeded'`. */
export type ConformanceCaseName = (typeof conformanceCases)[number];

const known: ReadonlySet<string> = new Set(conformanceCases);

/** Whether `name` is a case of this kit (guards `unsupported` keys written in plain JavaScript). */
export function isConformanceCaseName(name: string): name is ConformanceCaseName {
  return known.has(name);
}
