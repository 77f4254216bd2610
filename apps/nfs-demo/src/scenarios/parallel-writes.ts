import { createFile, pagesHolding, readOverWire, writeFromPages } from '../stack/nfs-file-io.js';
import { intact, patternBytes } from '../stack/payload.js';
import { VirtualTimeoutError } from '../stack/virtual-time.js';
import type { ScenarioContext } from './scenario.js';

export interface ParallelWrites {
  /** File created in the export root. */
  readonly name: string;
  /** WRITEs issued at once (the RPC slot table and the credits decide how many fly together). */
  readonly count: number;
  /** Bytes per WRITE: ≤ ~3.5 KiB goes inline, more goes as a read chunk (FastReg + the Send). */
  readonly size: number;
  /** Virtual time the WRITEs may take before the run calls the transport stalled. */
  readonly timeoutNs: number;
  /** Called once the WRITEs are issued (to start a fault at the right moment). */
  readonly onIssued?: () => void;
}

export interface ParallelWritesResult {
  readonly dataVerified: boolean;
  readonly completed: number;
  readonly failed: number;
  readonly stalled: boolean;
  readonly elapsedNs: number;
}

/**
 * Many WRITEs of one file at once, each from its own page(s) of the client's memory, then the
 * whole file READ back over the wire and compared. The workload for the scenarios that need
 * the Send path busy: many Sends outstanding, the ring or the Send Queue near full.
 */
export async function parallelWrites(
  ctx: ScenarioContext,
  plan: ParallelWrites,
): Promise<ParallelWritesResult> {
  const { stack, session, run } = ctx;
  const memory = stack.clientHost.memory;
  const fh = await run(createFile(session, plan.name), `CREATE ${plan.name}`);
  const data = patternBytes(plan.count * plan.size, ctx.seed);
  const pageSets = Array.from({ length: plan.count }, (_, i) =>
    pagesHolding(memory, data.subarray(i * plan.size, (i + 1) * plan.size), `nfs:/${plan.name}#${i}`),
  );
  const start = stack.scheduler.now();
  let completed = 0;
  let failed = 0;
  const writes = pageSets.map((pages, i) =>
    writeFromPages(session, fh, i * plan.size, pages, plan.size, plan.name).then(
      () => {
        completed++;
      },
      () => {
        failed++;
      },
    ),
  );
  plan.onIssued?.();
  let stalled = false;
  try {
    await run(Promise.all(writes), `${plan.count} WRITEs`, plan.timeoutNs);
  } catch (error) {
    if (!(error instanceof VirtualTimeoutError)) throw error;
    stalled = true;
  }
  const elapsedNs = stack.scheduler.now() - start;
  let dataVerified = false;
  if (!stalled) {
    const back = await run(
      readOverWire(session, memory, fh, 0, data.length, plan.name),
      `READ ${plan.name}`,
      plan.timeoutNs,
    );
    dataVerified = failed === 0 && intact(back, data);
    for (const pages of pageSets) for (const p of pages) memory.free(p);
  }
  return { dataVerified, completed, failed, stalled, elapsedNs };
}
