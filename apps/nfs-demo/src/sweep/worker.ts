// One sweep worker thread: runs the seeds the pool sends, one at a time, and posts each outcome.
import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import type { IommuModel } from '@rdmalab/hca-sim';
import type { PolicySpec } from '@rdmalab/xprtrdma';
import { runSweepSeed } from './run-seed.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

const { spec, iommu, rpcTimeoutMs } = workerData as {
  spec: PolicySpec;
  iommu: IommuModel;
  rpcTimeoutMs?: number;
};
const port = parentPort;
if (port === null) throw new Error('sweep worker: must run in a worker thread');

port.on('message', (message: WorkerRequest) => {
  if (message.type === 'stop') {
    port.close();
    return;
  }
  runSweepSeed({
    seed: message.seed,
    spec,
    iommu,
    ...(rpcTimeoutMs !== undefined ? { rpcTimeoutMs } : {}),
  }).then(
    ({ pcap: _pcap, trace: _trace, ...outcome }) =>
      port.postMessage({ type: 'outcome', outcome } satisfies WorkerReply),
    (error: unknown) =>
      port.postMessage({
        type: 'error',
        seed: message.seed,
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies WorkerReply),
  );
});
