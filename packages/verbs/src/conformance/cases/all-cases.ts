import { type ConformanceCaseName, conformanceCases } from '../case-names.js';
import type { CaseBody, ConformanceCase } from '../conformance-case.js';
import { ConformanceError } from '../errors.js';
import { completionOrderingCases } from './completion-ordering.js';
import { completionQueueCases } from './completion-queues.js';
import { errorAndFlushCases } from './errors-and-flush.js';
import { memoryRegistrationCases } from './memory-registration.js';
import { networkFaultCases } from './network-faults.js';
import { qpStateCases } from './qp-state.js';
import { rdmaCases } from './rdma.js';
import { rnrCases } from './rnr.js';
import { sendQueueCases } from './send-queue.js';
import { sendRecvCases } from './send-recv.js';

const groups = [
  qpStateCases,
  sendRecvCases,
  rdmaCases,
  memoryRegistrationCases,
  sendQueueCases,
  rnrCases,
  networkFaultCases,
  completionOrderingCases,
  errorAndFlushCases,
  completionQueueCases,
];

function collect(): ConformanceCase[] {
  const bodies = new Map<ConformanceCaseName, CaseBody>();
  for (const group of groups) {
    for (const [name, body] of Object.entries(group) as [ConformanceCaseName, CaseBody][]) {
      if (bodies.has(name))
        throw new ConformanceError('EINVAL', `conformance kit: case "${name}" is defined twice`);
      bodies.set(name, body);
    }
  }
  return conformanceCases.map((name) => {
    const body = bodies.get(name);
    if (!body) throw new ConformanceError('EINVAL', `conformance kit: case "${name}" has no definition`);
    return { name, ...body };
  });
}

/** Every case, in the order of {@link conformanceCases}. */
export const allCases: readonly ConformanceCase[] = collect();
