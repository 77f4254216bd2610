import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { IommuModel } from '@rdmalab/hca-sim';
import { INVARIANT_TITLES, type InvariantId } from '@rdmalab/xprtrdma';
import { type Command, UsageError } from '../command.js';
import type { CliIo } from '../io.js';
import { ProgressBar } from '../output/progress.js';
import { delayedSendCompletion } from '../scenarios/delayed-send-completion.js';
import { choosePolicy, POLICY_WORDS, UnknownPolicyError } from '../scenarios/policy-choice.js';
import { IOMMU_MODELS, parseCount, parseIommu } from '../scenarios/run-options.js';
import { DEFAULT_SWEEP_RPC_TIMEOUT_MS, runSweepSeed, type SeedOutcome } from '../sweep/run-seed.js';
import { runSweepPool } from '../sweep/sweep-pool.js';

const USAGE = `usage: rdmalab sweep [--seeds N] [--start S] [--shard I/N] [--policy P] [--iommu M] [--rpc-timeout MS]
                     [--jobs J] [--json]
       rdmalab sweep --replay SEED [--policy P] [--iommu M] [--rpc-timeout MS] [--trace FILE] [--pcap FILE] [--json]

Runs a mixed NFS workload (inline and chunked WRITEs through the page cache, direct WRITEs from
pages freed at once, READs back over the wire) under a random fault schedule per seed —
partitions, ACK loss, delay, reordering, DMA-map failures, disconnect injection — and checks the
invariants I1–I7 in every run, on all cores (worker threads running the built dist).

  --seeds N     how many seeds (default 200)          --start S   first seed (default 1)
  --shard I/N   run only every N-th seed from the I-th (1-based), to split a sweep across machines
  --policy P    fixed (default: the seed's fix, linux-7.2) or broken (linux-4.14); or a preset
                (${POLICY_WORDS.slice(2).join(', ')})
  --iommu M     the client's IOMMU: ${IOMMU_MODELS.join(' or ')} (default passthrough)
  --rpc-timeout MS
                each run's first RPC timeout, ms of virtual time (default ${DEFAULT_SWEEP_RPC_TIMEOUT_MS}); grows by
                as much per retransmission up to 4×, hard
  --jobs J      worker threads (default: every core; 0 = run in this thread)
  --json        one JSON object: counts, failing share, failing seeds with their violations
  --replay SEED rerun one seed in this thread and tell what it found; with --trace FILE (Chrome
                trace for Perfetto) and --pcap FILE (Wireshark)

Exit status: 0 when every seed held, 1 when a seed failed, 2 on bad usage, 130 when interrupted.`;

function parseShard(value: string | undefined): { index: number; count: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count)
    throw new UsageError(`--shard must be I/N with 1 <= I <= N (e.g. 2/4), got "${value}"`);
  return { index, count };
}

/** `--rpc-timeout MS`: a positive whole number of milliseconds. */
function parseRpcTimeout(value: string | undefined): number {
  if (value === undefined) return DEFAULT_SWEEP_RPC_TIMEOUT_MS;
  const ms = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < 1)
    throw new UsageError(`--rpc-timeout must be a positive integer of milliseconds, got "${value}"`);
  return ms;
}

function violated(o: SeedOutcome): string {
  const ids = Object.entries(o.violations)
    .filter(([, n]) => n > 0)
    .map(([id, n]) => `${id}×${n}`);
  if (o.crash) ids.push(`crash (${o.crash})`);
  if (!o.dataVerified && o.violations.I6 === 0) ids.push('data not verified');
  return ids.join(' ');
}

export const sweepCommand: Command = {
  name: 'sweep',
  summary: 'random fault schedules over an NFS workload, checking I1–I7 for many seeds',
  usage: USAGE,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        seeds: { type: 'string' },
        start: { type: 'string' },
        shard: { type: 'string' },
        policy: { type: 'string' },
        iommu: { type: 'string' },
        'rpc-timeout': { type: 'string' },
        jobs: { type: 'string' },
        json: { type: 'boolean' },
        replay: { type: 'string' },
        trace: { type: 'string' },
        pcap: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length > 0) throw new UsageError(`sweep takes no arguments, got "${positionals[0]}"`);
    let policy: ReturnType<typeof choosePolicy>;
    try {
      policy = choosePolicy(values.policy ?? 'fixed', delayedSendCompletion);
    } catch (error) {
      if (!(error instanceof UnknownPolicyError)) throw error;
      io.err(`rdmalab sweep: ${error.message}`);
      return 2;
    }
    const iommu: IommuModel = parseIommu(values.iommu) ?? 'passthrough';
    const rpcTimeoutMs = parseRpcTimeout(values['rpc-timeout']);

    if (values.replay !== undefined) {
      const seed = parseCount('--replay', values.replay, 0);
      const r = await runSweepSeed({
        seed,
        spec: policy.spec,
        iommu,
        rpcTimeoutMs,
        pcap: values.pcap !== undefined,
        trace: values.trace !== undefined,
      });
      if (values.pcap !== undefined && r.pcap) writeFileSync(values.pcap, r.pcap);
      if (values.trace !== undefined && r.trace !== undefined) writeFileSync(values.trace, r.trace);
      const { pcap: _pcap, trace: _trace, ...outcome } = r;
      if (values.json)
        io.out(
          JSON.stringify(
            { policy: policy.name, policyLabel: policy.label, iommu, rpcTimeoutMs, ...outcome },
            null,
            2,
          ),
        );
      else {
        const lines = [
          `rdmalab sweep --replay ${seed} — policy ${policy.name} (${policy.label}), client IOMMU ${iommu}, RPC timeout ${rpcTimeoutMs} ms`,
          `faults: ${outcome.schedule}`,
          outcome.ok
            ? 'HELD: every invariant held and every byte read back intact'
            : `FAILED: ${violated(outcome)}`,
          ...outcome.details.map(
            (v) =>
              `  ${v.invariant} at ${((v.timeNs ?? 0) / 1e6).toFixed(3)} ms: ${v.message} — ${INVARIANT_TITLES[v.invariant as InvariantId]}`,
          ),
        ];
        if (values.trace) lines.push(`trace written to ${values.trace} (open in https://ui.perfetto.dev)`);
        if (values.pcap) lines.push(`capture written to ${values.pcap}`);
        io.out(lines.join('\n'));
      }
      return outcome.ok ? 0 : 1;
    }
    if (values.trace !== undefined || values.pcap !== undefined)
      throw new UsageError('--trace and --pcap apply to --replay SEED only');

    const count = parseCount('--seeds', values.seeds, 200, 1);
    const start = parseCount('--start', values.start, 1);
    const shard = parseShard(values.shard);
    const jobs = values.jobs === undefined ? undefined : parseCount('--jobs', values.jobs, 0);
    const seeds: number[] = [];
    for (let i = 0; i < count; i++) if (!shard || i % shard.count === shard.index - 1) seeds.push(start + i);
    const progress = new ProgressBar(io, 'sweep', seeds.length);
    let failures = 0;
    const began = performance.now();
    const result = await runSweepPool({
      seeds,
      spec: policy.spec,
      iommu,
      rpcTimeoutMs,
      ...(jobs !== undefined ? { jobs } : {}),
      signal: io.signal,
      onOutcome: (o) => {
        if (!o.ok) failures++;
        progress.tick(1, `${failures} failing`);
      },
    });
    progress.finish();
    const failing = result.outcomes.filter((o) => !o.ok);
    const ran = result.outcomes.length;
    const summary = {
      policy: policy.name,
      policyLabel: policy.label,
      iommu,
      rpcTimeoutMs,
      start,
      seeds: count,
      shard: shard ? `${shard.index}/${shard.count}` : null,
      ran,
      passed: ran - failing.length,
      failed: failing.length,
      failingShare: ran === 0 ? 0 : failing.length / ran,
      complete: result.complete,
      threads: result.threads,
      wallMs: Math.round(performance.now() - began),
      byInvariant: Object.fromEntries(
        (Object.keys(INVARIANT_TITLES) as InvariantId[]).map((id) => [
          id,
          failing.filter((o) => o.violations[id] > 0).length,
        ]),
      ),
      failingSeeds: failing.map((o) => ({
        seed: o.seed,
        violations: o.violations,
        dataVerified: o.dataVerified,
        crash: o.crash,
        schedule: o.schedule,
        first: o.details[0]?.message ?? null,
      })),
    };
    if (values.json) io.out(JSON.stringify(summary, null, 2));
    else {
      const lines = [
        `rdmalab sweep — policy ${policy.name} (${policy.label}), client IOMMU ${iommu}, RPC timeout ${rpcTimeoutMs} ms`,
        `${ran} seed(s) from ${start}${shard ? ` (shard ${shard.index}/${shard.count})` : ''} on ${result.threads || 'this'} thread(s) in ${(summary.wallMs / 1000).toFixed(1)} s: ${summary.passed} held, ${failing.length} failed (${(summary.failingShare * 100).toFixed(1)}%)`,
      ];
      for (const [id, n] of Object.entries(summary.byInvariant))
        if (n > 0) lines.push(`  ${id} in ${n} seed(s): ${INVARIANT_TITLES[id as InvariantId]}`);
      for (const o of failing.slice(0, 10))
        lines.push(`  seed ${o.seed}: ${violated(o)} — faults: ${o.schedule}`);
      if (failing.length > 10) lines.push(`  … and ${failing.length - 10} more (--json lists them all)`);
      if (failing.length > 0)
        lines.push(
          `replay one: rdmalab sweep --replay ${failing[0]!.seed} --policy ${policy.name} --iommu ${iommu}${rpcTimeoutMs === DEFAULT_SWEEP_RPC_TIMEOUT_MS ? '' : ` --rpc-timeout ${rpcTimeoutMs}`} --trace seed.json --pcap seed.pcap`,
        );
      io.out(lines.join('\n'));
    }
    if (!result.complete) {
      io.err(
        `rdmalab sweep: interrupted after ${ran} of ${seeds.length} seeds (${failing.length} failing so far)`,
      );
      return 130;
    }
    return failing.length === 0 ? 0 : 1;
  },
};
