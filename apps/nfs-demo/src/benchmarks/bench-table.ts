import { formatTable } from '../output/table.js';
import type { VitestBenchReport } from './vitest-report.js';

/** One benchmark in the merged table. */
export interface BenchRow {
  readonly package: string;
  /** The describe block, with the file: "xdr.bench.ts > NFSv3 GETATTR reply: encode + decode". */
  readonly group: string;
  readonly benchmark: string;
  /** Operations per second. */
  readonly hz: number;
  /** Mean and 99th-percentile time per operation, ms. */
  readonly meanMs: number;
  readonly p99Ms: number;
  readonly samples: number;
  /** Relative margin of error, percent. */
  readonly rme: number;
  /** The group's fastest hz divided by this one's: 1 for the fastest. */
  readonly slowerBy: number;
  /** Benchmarks in the group (relative speed means something only when > 1). */
  readonly groupSize: number;
}

/**
 * Rows of every package's report, groups kept together and each group ordered fastest first, so
 * the side-by-side comparisons each package defines read down the table.
 */
export function benchRows(
  reports: readonly { readonly package: string; readonly report: VitestBenchReport }[],
): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const { package: pkg, report } of reports) {
    for (const file of report.files) {
      for (const group of file.groups) {
        const fastest = Math.max(0, ...group.benchmarks.map((b) => b.hz));
        const sorted = [...group.benchmarks].sort((a, b) => b.hz - a.hz);
        for (const b of sorted) {
          rows.push({
            package: pkg,
            group: group.fullName.replace(/^bench\//, ''),
            benchmark: b.name,
            hz: b.hz,
            meanMs: b.mean,
            p99Ms: b.p99,
            samples: b.sampleCount,
            rme: b.rme,
            slowerBy: b.hz > 0 ? fastest / b.hz : Number.POSITIVE_INFINITY,
            groupSize: group.benchmarks.length,
          });
        }
      }
    }
  }
  return rows;
}

/** 1234567.8 → "1,234,568"; small rates keep decimals. */
export function formatHz(hz: number): string {
  if (hz >= 100) return Math.round(hz).toLocaleString('en-US');
  return hz.toFixed(hz >= 10 ? 1 : 2);
}

/** A time in ms in the unit that reads best. */
export function formatMs(ms: number): string {
  if (ms < 0.001) return `${(ms * 1e6).toFixed(0)} ns`;
  if (ms < 1) return `${(ms * 1e3).toFixed(2)} µs`;
  if (ms < 1000) return `${ms.toFixed(2)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

function relative(row: BenchRow): string {
  if (row.groupSize < 2) return '';
  if (row.slowerBy === 1) return 'fastest';
  return Number.isFinite(row.slowerBy) ? `${row.slowerBy.toFixed(2)}× slower` : 'did not run';
}

/** The one table `rdmalab bench` prints; package and group are shown where they change. */
export function formatBenchTable(rows: readonly BenchRow[]): string {
  let previous: BenchRow | undefined;
  const cells = rows.map((row) => {
    const samePackage = previous?.package === row.package;
    const sameGroup = samePackage && previous?.group === row.group;
    previous = row;
    return [
      samePackage ? '' : row.package,
      sameGroup ? '' : row.group,
      row.benchmark,
      formatHz(row.hz),
      formatMs(row.meanMs),
      formatMs(row.p99Ms),
      String(row.samples),
      `±${row.rme.toFixed(1)}%`,
      relative(row),
    ];
  });
  return formatTable(
    [
      { header: 'package' },
      { header: 'group' },
      { header: 'benchmark' },
      { header: 'ops/s', align: 'right' },
      { header: 'mean', align: 'right' },
      { header: 'p99', align: 'right' },
      { header: 'samples', align: 'right' },
      { header: 'rme', align: 'right' },
      { header: 'relative' },
    ],
    cells,
  );
}
