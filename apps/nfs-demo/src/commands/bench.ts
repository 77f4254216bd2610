import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchRows, formatBenchTable } from '../benchmarks/bench-table.js';
import { runPackageScript } from '../benchmarks/run-script.js';
import { parseVitestBenchReport, type VitestBenchReport } from '../benchmarks/vitest-report.js';
import { type BenchPackage, benchPackages, findWorkspaceRoot } from '../benchmarks/workspace.js';
import { type Command, UsageError } from '../command.js';
import type { CliIo } from '../io.js';
import { ProgressBar } from '../output/progress.js';

const USAGE = `usage: rdmalab bench [--filter NAME]... [--json] [--no-run] [--root DIR]

Runs the workspace's benchmarks (each package's "bench" script: vitest bench --run, writing
bench-results/bench.json), then prints one table of every package's results: ops/s, mean and p99
time, samples, margin of error, and how each benchmark compares with the fastest of its group —
the side-by-side comparisons each package defines.

  --filter NAME  only this package (full name or without "@rdmalab/"); repeatable
  --json         print the merged object: { packages: { NAME: vitest's JSON }, rows: [...], runs: [...] }
  --no-run       do not run anything; read the bench-results/bench.json files already there
  --root DIR     the workspace (default: found from the current directory, else from this tool)

Benchmarks run one package at a time (they measure the machine). Ctrl-C stops the running package
and prints what completed. Exit status: 0 ok, 1 a package's benchmarks failed, 2 bad usage, 130
interrupted.`;

/** What happened to one package's benchmarks. */
export interface BenchRun {
  readonly package: string;
  readonly status: 'ok' | 'failed' | 'interrupted' | 'not-run' | 'read';
  readonly elapsedMs?: number;
  readonly detail?: string;
}

/** The object `rdmalab bench --json` prints. */
export interface MergedBenchResults {
  readonly packages: Readonly<Record<string, VitestBenchReport>>;
  readonly rows: ReturnType<typeof benchRows>;
  readonly runs: readonly BenchRun[];
}

function locateRoot(explicit: string | undefined): string {
  if (explicit !== undefined) {
    const root = findWorkspaceRoot(explicit);
    if (root === undefined || !existsSync(explicit))
      throw new UsageError(`--root ${explicit}: no pnpm-workspace.yaml there or above`);
    return root;
  }
  const root = findWorkspaceRoot(process.cwd()) ?? findWorkspaceRoot(dirname(fileURLToPath(import.meta.url)));
  if (root === undefined)
    throw new UsageError(
      'no pnpm workspace (pnpm-workspace.yaml) above the current directory; give --root DIR',
    );
  return root;
}

function select(all: readonly BenchPackage[], filters: readonly string[]): BenchPackage[] {
  if (filters.length === 0) return [...all];
  const picked: BenchPackage[] = [];
  for (const f of filters) {
    const match = all.find((p) => p.name === f || p.name === `@rdmalab/${f}`);
    if (match === undefined)
      throw new UsageError(
        `--filter ${f}: no package with benchmarks by that name; known: ${all.map((p) => p.name).join(', ') || 'none'}`,
      );
    if (!picked.includes(match)) picked.push(match);
  }
  return picked;
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

export const benchCommand: Command = {
  name: 'bench',
  summary: "run every package's benchmarks and print one comparison table",
  usage: USAGE,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values } = parseArgs({
      args: [...args],
      options: {
        filter: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        'no-run': { type: 'boolean' },
        root: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    const root = locateRoot(values.root);
    const packages = select(benchPackages(root), values.filter ?? []);
    if (packages.length === 0) {
      io.err(`rdmalab bench: no package under ${root} has benchmarks`);
      return 1;
    }

    const runs: BenchRun[] = [];
    const reports: { package: string; report: VitestBenchReport }[] = [];
    const readReport = (pkg: BenchPackage, notBefore: number): string | undefined => {
      if (!existsSync(pkg.resultsFile)) return `no ${pkg.resultsFile}`;
      if (statSync(pkg.resultsFile).mtimeMs < notBefore)
        return `${pkg.resultsFile} was not rewritten by this run`;
      try {
        reports.push({
          package: pkg.name,
          report: parseVitestBenchReport(readFileSync(pkg.resultsFile, 'utf8'), pkg.resultsFile),
        });
        return undefined;
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    };

    if (values['no-run']) {
      for (const pkg of packages) {
        const problem = readReport(pkg, 0);
        runs.push(
          problem === undefined
            ? { package: pkg.name, status: 'read' }
            : { package: pkg.name, status: 'failed', detail: problem },
        );
      }
    } else {
      const progress = new ProgressBar(io, 'bench', packages.length);
      for (const pkg of packages) {
        if (io.signal.aborted) {
          runs.push({ package: pkg.name, status: 'not-run' });
          continue;
        }
        io.err(`bench: running ${pkg.name} (${pkg.script})`);
        // Files keep whole-second mtimes on some file systems: allow for it.
        const started = Math.floor(Date.now() / 1000) * 1000;
        const result = await runPackageScript(pkg.script, { cwd: pkg.dir, root, signal: io.signal });
        if (result.interrupted) {
          runs.push({ package: pkg.name, status: 'interrupted', elapsedMs: result.elapsedMs });
        } else if (result.code !== 0) {
          const detail = `exit ${result.code}: ${lastLines(result.tail, 15)}`;
          io.err(`bench: ${pkg.name} failed (${detail})`);
          runs.push({ package: pkg.name, status: 'failed', elapsedMs: result.elapsedMs, detail });
        } else {
          const problem = readReport(pkg, started);
          runs.push(
            problem === undefined
              ? { package: pkg.name, status: 'ok', elapsedMs: result.elapsedMs }
              : { package: pkg.name, status: 'failed', elapsedMs: result.elapsedMs, detail: problem },
          );
          if (problem !== undefined) io.err(`bench: ${pkg.name}: ${problem}`);
        }
        progress.tick(1, `${pkg.name} ${(result.elapsedMs / 1000).toFixed(1)} s`);
      }
      progress.finish();
    }

    const rows = benchRows(reports);
    const interrupted = runs.some((r) => r.status === 'interrupted' || r.status === 'not-run');
    const failed = runs.filter((r) => r.status === 'failed');
    if (values.json) {
      const merged: MergedBenchResults = {
        packages: Object.fromEntries(reports.map((r) => [r.package, r.report])),
        rows,
        runs,
      };
      io.out(JSON.stringify(merged, null, 2));
    } else {
      io.out(rows.length > 0 ? formatBenchTable(rows) : 'No benchmark results.');
      for (const f of failed) io.out(`\n${f.package}: FAILED ${f.detail ?? ''}`.trimEnd());
    }
    if (interrupted) {
      const done = runs.filter((r) => r.status === 'ok').map((r) => r.package);
      const stopped = runs.find((r) => r.status === 'interrupted')?.package;
      io.err(
        `rdmalab bench: interrupted: ${done.length} of ${packages.length} packages completed` +
          (done.length > 0 ? ` (${done.join(', ')})` : '') +
          (stopped !== undefined ? `; ${stopped} was stopped` : ''),
      );
      return 130;
    }
    return failed.length > 0 ? 1 : 0;
  },
};
