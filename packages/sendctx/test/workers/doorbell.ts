import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SharedSendctxRing } from '../../src/index.js';

/** Word offsets of the doorbell shared with completion-worker.mjs (the Send Queue's stand-in). */
export const POSTED = 0;
export const STOP = 1;
export const POISON = -1;

export interface CompletionResult {
  retired: number;
  failure: string | null;
  counters: { empty_sendctx_q: number; sendctx_unget: number; sendctx_flushed: number };
}

const workerUrl = new URL('./completion-worker.mjs', import.meta.url);
const builtRing = fileURLToPath(new URL('../../dist/shared/shared-ring.js', import.meta.url));
const sourceRing = fileURLToPath(new URL('../../src/shared/shared-ring.ts', import.meta.url));

/** The worker runs the built ring: refuse to run against a missing or stale dist/. */
export function assertDistBuilt(): void {
  if (!existsSync(builtRing)) {
    throw new Error(`${builtRing} is missing: run \`npx tsc -p tsconfig.build.json\` (or pnpm build) first`);
  }
  if (statSync(builtRing).mtimeMs < statSync(sourceRing).mtimeMs) {
    throw new Error(`${builtRing} is older than its source: rebuild with \`npx tsc -p tsconfig.build.json\``);
  }
}

export interface CompletionWorker {
  doorbell: Int32Array;
  result: Promise<CompletionResult>;
  terminate(): Promise<number>;
}

/**
 * @param check - verify each retired slot's sequence number (the stress test) or not (the bench)
 * @param batch - Sends retired per completion: 0 = random 1..8 (seeded), else at most this many
 */
export function startCompletionWorker(
  ring: SharedSendctxRing,
  check: boolean,
  batch = 0,
  seed = 1,
): CompletionWorker {
  assertDistBuilt();
  const doorbellBuffer = new SharedArrayBuffer(64);
  const worker = new Worker(workerUrl, {
    workerData: { ring: ring.buffer, doorbell: doorbellBuffer, check, seed, batch },
  });
  const result = new Promise<CompletionResult>((resolve, reject) => {
    worker.once('message', (m: CompletionResult) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`completion worker exited (${code}) without a result`)));
  });
  return { doorbell: new Int32Array(doorbellBuffer), result, terminate: () => worker.terminate() };
}
