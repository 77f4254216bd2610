/**
 * The JSON `vitest bench --outputJson FILE` writes (vitest 4): files → groups (one per
 * `describe`) → benchmarks with tinybench statistics. Times are in milliseconds.
 */
export interface VitestBenchReport {
  readonly files: readonly VitestBenchFile[];
}

export interface VitestBenchFile {
  readonly filepath: string;
  readonly groups: readonly VitestBenchGroup[];
}

export interface VitestBenchGroup {
  /** "bench/xdr.bench.ts > NFSv3 GETATTR reply: encode + decode". */
  readonly fullName: string;
  readonly benchmarks: readonly VitestBenchmark[];
}

export interface VitestBenchmark {
  readonly id: string;
  readonly name: string;
  /** 1 = fastest in its group. */
  readonly rank: number;
  /** Operations per second. */
  readonly hz: number;
  /** Mean time per operation, ms. */
  readonly mean: number;
  /** 99th percentile, ms. */
  readonly p99: number;
  readonly sampleCount: number;
  /** Relative margin of error, percent. */
  readonly rme: number;
  readonly min: number;
  readonly max: number;
  readonly median: number;
}

/** A bench.json that is not what vitest writes. `code`: EBADMSG (not JSON) or EINVAL (a field). */
export class BenchReportError extends Error {
  override readonly name = 'BenchReportError';
  constructor(
    readonly code: 'EBADMSG' | 'EINVAL',
    readonly source: string,
    /** JSON path of the bad field ("files[0].groups[1].benchmarks[0].hz"), or "" for the whole text. */
    readonly field: string,
    detail: string,
  ) {
    super(`${code}: ${source}${field === '' ? '' : ` ${field}`}: ${detail}`);
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function objectAt(value: Json | undefined, source: string, field: string): { [key: string]: Json } {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new BenchReportError('EINVAL', source, field, `expected an object, got ${describe(value)}`);
  return value;
}

function arrayAt(value: Json | undefined, source: string, field: string): Json[] {
  if (!Array.isArray(value))
    throw new BenchReportError('EINVAL', source, field, `expected an array, got ${describe(value)}`);
  return value;
}

function stringAt(o: { [key: string]: Json }, key: string, source: string, field: string): string {
  const v = o[key];
  if (typeof v !== 'string')
    throw new BenchReportError('EINVAL', source, `${field}.${key}`, `expected a string, got ${describe(v)}`);
  return v;
}

function numberAt(o: { [key: string]: Json }, key: string, source: string, field: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new BenchReportError(
      'EINVAL',
      source,
      `${field}.${key}`,
      `expected a finite number, got ${describe(v)}`,
    );
  return v;
}

function describe(v: Json | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `"${v.slice(0, 40)}"` : typeof v === 'object' ? 'an object' : String(v);
}

/** Parse and check a vitest bench.json; `source` names it in errors (a path). */
export function parseVitestBenchReport(text: string, source: string): VitestBenchReport {
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch (e) {
    throw new BenchReportError('EBADMSG', source, '', e instanceof Error ? e.message : String(e));
  }
  const root = objectAt(json, source, '(root)');
  const files = arrayAt(root.files, source, 'files').map((f, i): VitestBenchFile => {
    const fp = `files[${i}]`;
    const file = objectAt(f, source, fp);
    return {
      filepath: stringAt(file, 'filepath', source, fp),
      groups: arrayAt(file.groups, source, `${fp}.groups`).map((g, j): VitestBenchGroup => {
        const gp = `${fp}.groups[${j}]`;
        const group = objectAt(g, source, gp);
        return {
          fullName: stringAt(group, 'fullName', source, gp),
          benchmarks: arrayAt(group.benchmarks, source, `${gp}.benchmarks`).map((b, k): VitestBenchmark => {
            const bp = `${gp}.benchmarks[${k}]`;
            const bench = objectAt(b, source, bp);
            return {
              id: stringAt(bench, 'id', source, bp),
              name: stringAt(bench, 'name', source, bp),
              rank: numberAt(bench, 'rank', source, bp),
              hz: numberAt(bench, 'hz', source, bp),
              mean: numberAt(bench, 'mean', source, bp),
              p99: numberAt(bench, 'p99', source, bp),
              sampleCount: numberAt(bench, 'sampleCount', source, bp),
              rme: numberAt(bench, 'rme', source, bp),
              min: numberAt(bench, 'min', source, bp),
              max: numberAt(bench, 'max', source, bp),
              median: numberAt(bench, 'median', source, bp),
            };
          }),
        };
      }),
    };
  });
  return { files };
}
