import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { IommuModel } from '@rdmalab/hca-sim';
import type { PolicySpec } from '@rdmalab/xprtrdma';
import { runSweepSeed, type SeedOutcome } from './run-seed.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

export interface SweepPoolOptions {
  readonly seeds: readonly number[];
  readonly spec: PolicySpec;
  readonly iommu: IommuModel;
  /** Each seed's first RPC timeout, ms (default 1000). */
  readonly rpcTimeoutMs?: number;
  /** Worker threads (default: every core). 0 runs the seeds in this thread. */
  readonly jobs?: number;
  readonly signal?: AbortSignal;
  readonly onOutcome?: (outcome: SeedOutcome) => void;
}

export interface SweepPoolResult {
  readonly outcomes: SeedOutcome[];
  /** Every seed ran (false when interrupted). */
  readonly complete: boolean;
  /** Threads that ran seeds (0: in this thread). */
  readonly threads: number;
}

/**
 * The worker script: the built dist/sweep/worker.js. From src (tests, tsx) the same path under
 * dist is used if the package was built; otherwise seeds run in this thread.
 */
export function workerScript(): string | undefined {
  const here = fileURLToPath(import.meta.url);
  const candidate = here.endsWith('.ts')
    ? here.replace(/[/\\]src[/\\]sweep[/\\]sweep-pool\.ts$/, '/dist/sweep/worker.js')
    : here.replace(/sweep-pool\.js$/, 'worker.js');
  return existsSync(candidate) ? candidate : undefined;
}

/**
 * Node flags for the workers: the parent's, minus export conditions. A test runner resolving
 * workspace packages to their TypeScript sources (`--conditions @rdmalab/source`) must not pass
 * that on: the worker runs the built JavaScript of every package.
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--conditions' || a === '-C') i++;
    else if (!a.startsWith('--conditions=') && !a.startsWith('-C=')) out.push(a);
  }
  return out;
}

/** Run `seeds` on worker threads (one seed per message, the next sent as each finishes). */
export async function runSweepPool(options: SweepPoolOptions): Promise<SweepPoolResult> {
  const outcomes: SeedOutcome[] = [];
  const queue = [...options.seeds];
  const script = workerScript();
  const jobs = Math.min(options.jobs ?? availableParallelism(), queue.length);
  const rpcTimeout = options.rpcTimeoutMs !== undefined ? { rpcTimeoutMs: options.rpcTimeoutMs } : {};
  const record = (o: SeedOutcome): void => {
    outcomes.push(o);
    options.onOutcome?.(o);
  };
  if (jobs === 0 || script === undefined) {
    while (queue.length > 0 && !options.signal?.aborted) {
      record(
        await runSweepSeed({ seed: queue.shift()!, spec: options.spec, iommu: options.iommu, ...rpcTimeout }),
      );
    }
    return { outcomes, complete: queue.length === 0, threads: 0 };
  }
  await new Promise<void>((resolve, reject) => {
    const workers: Worker[] = [];
    let busy = 0;
    let failed = false;
    const finish = (): void => {
      for (const w of workers) void w.terminate();
      resolve();
    };
    const feed = (w: Worker): void => {
      const seed = options.signal?.aborted ? undefined : queue.shift();
      if (seed === undefined) {
        if (busy === 0) finish();
        return;
      }
      busy++;
      w.postMessage({ type: 'seed', seed } satisfies WorkerRequest);
    };
    options.signal?.addEventListener('abort', () => {
      if (busy === 0) finish();
    });
    for (let i = 0; i < jobs; i++) {
      const w = new Worker(script, {
        workerData: { spec: options.spec, iommu: options.iommu, ...rpcTimeout },
        execArgv: workerExecArgv(),
      });
      workers.push(w);
      w.on('message', (reply: WorkerReply) => {
        busy--;
        if (reply.type === 'error') {
          failed = true;
          for (const x of workers) void x.terminate();
          reject(new Error(`sweep worker failed on seed ${reply.seed}: ${reply.message}`));
          return;
        }
        record(reply.outcome);
        feed(w);
      });
      w.on('error', (error) => {
        if (failed) return;
        failed = true;
        for (const x of workers) void x.terminate();
        reject(error);
      });
      feed(w);
    }
  });
  return { outcomes: outcomes.sort((a, b) => a.seed - b.seed), complete: queue.length === 0, threads: jobs };
}
