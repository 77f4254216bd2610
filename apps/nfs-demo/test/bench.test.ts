import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BenchReportError,
  benchCommand,
  benchRows,
  CommandRegistry,
  formatBenchTable,
  type MergedBenchResults,
  main,
  parseVitestBenchReport,
} from '../src/index.js';
import { captureIo } from './cli-io.js';

const registry = new CommandRegistry().register(benchCommand);
/** Real `vitest bench --outputJson` output (sunrpc's benchmarks), trimmed to two groups. */
const fixturePath = join(import.meta.dirname, 'fixtures', 'vitest-bench.json');
const fixture = readFileSync(fixturePath, 'utf8');

describe('bench table', () => {
  it('builds one row per benchmark, fastest first in each group, with the relative speed', () => {
    const rows = benchRows([
      { package: '@rdmalab/sunrpc', report: parseVitestBenchReport(fixture, fixturePath) },
    ]);
    expect(rows.map((r) => [r.group, r.benchmark.slice(0, 24), r.slowerBy.toFixed(2)])).toEqual([
      ['rpc-null.bench.ts > NULL RPC over TCP loopback', '1 call in flight (round ', '1.00'],
      ['rpc-null.bench.ts > NULL RPC over TCP loopback', '64 calls in flight (hz ×', '42.05'],
      ['xdr.bench.ts > NFSv3 READ reply with 32 KiB: encode + decode', '@rdmalab/sunrpc, data in', '1.00'],
      ['xdr.bench.ts > NFSv3 READ reply with 32 KiB: encode + decode', '@jsonjoy.com/json-pack N', '1.12'],
      ['xdr.bench.ts > NFSv3 READ reply with 32 KiB: encode + decode', '@rdmalab/sunrpc, flat by', '1.62'],
    ]);
    expect(rows[0]).toMatchObject({ hz: 21980.803057350146, samples: 10991, groupSize: 2 });
  });

  it('prints package and group where they change, times in readable units', () => {
    const table = formatBenchTable(
      benchRows([{ package: '@rdmalab/sunrpc', report: parseVitestBenchReport(fixture, fixturePath) }]),
    );
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^package +group +benchmark +ops\/s +mean +p99 +samples +rme +relative$/);
    expect(lines[1]).toMatch(
      /^@rdmalab\/sunrpc +rpc-null\.bench\.ts > NULL RPC over TCP loopback +1 call in flight \(round trips\) +21,981 +45\.49 µs +181\.77 µs +10991 +±8\.0% +fastest$/,
    );
    expect(lines[2]).toMatch(
      /^ +64 calls in flight .* 523 +1\.91 ms +9\.54 ms +262 +±12\.1% +42\.05× slower$/,
    );
    expect(lines[3]).toMatch(/^ +xdr\.bench\.ts > NFSv3 READ reply/);
    expect(lines).toHaveLength(6);
  });

  it('rejects a report that is not what vitest writes, naming the field', () => {
    expect(() => parseVitestBenchReport('{"files": [', 'x.json')).toThrow(BenchReportError);
    try {
      const broken = JSON.parse(fixture) as { files: { groups: { benchmarks: { hz: unknown }[] }[] }[] };
      broken.files[1]!.groups[0]!.benchmarks[2]!.hz = 'fast';
      parseVitestBenchReport(JSON.stringify(broken), 'x.json');
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'EINVAL', field: 'files[1].groups[0].benchmarks[2].hz' });
      expect((e as Error).message).toContain('expected a finite number, got "fast"');
    }
  });
});

/** A workspace whose packages' bench scripts are small node programs. */
function fakeWorkspace(packages: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'rdmalab-bench-ws-'));
  writeFileSync(join(root, 'pnpm-workspace.yaml'), "packages:\n  - 'packages/*'\n");
  for (const [name, program] of Object.entries(packages)) {
    const dir = join(root, 'packages', name);
    mkdirSync(join(dir, 'bench'), { recursive: true });
    writeFileSync(join(dir, 'bench', 'x.bench.ts'), '// benchmarks live here\n');
    writeFileSync(join(dir, 'run.mjs'), program);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: `@fake/${name}`,
        scripts: { bench: 'node run.mjs --outputJson bench-results/bench.json' },
      }),
    );
  }
  // A package with a bench script but no benchmark files is left out.
  mkdirSync(join(root, 'packages', 'empty'), { recursive: true });
  writeFileSync(
    join(root, 'packages', 'empty', 'package.json'),
    JSON.stringify({ name: '@fake/empty', scripts: { bench: 'exit 1' } }),
  );
  return root;
}

const writeFixture = `import { mkdirSync, writeFileSync } from 'node:fs';
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/bench.json', ${JSON.stringify(fixture)});
`;

describe('rdmalab bench', () => {
  it("runs each package's bench script and merges the results (--json)", async () => {
    const root = fakeWorkspace({ a: writeFixture, b: writeFixture });
    const io = captureIo();
    expect(await main(['bench', '--root', root, '--json'], io, registry)).toBe(0);
    const merged = JSON.parse(io.stdout) as MergedBenchResults;
    expect(Object.keys(merged.packages)).toEqual(['@fake/a', '@fake/b']);
    expect(merged.rows).toHaveLength(10);
    expect(merged.runs.map((r) => [r.package, r.status])).toEqual([
      ['@fake/a', 'ok'],
      ['@fake/b', 'ok'],
    ]);
    expect(io.stderr).toContain('bench: running @fake/a');
  });

  it('--filter picks one package; a failing script exits 1 with its output; --no-run reads what is there', async () => {
    const root = fakeWorkspace({
      good: writeFixture,
      bad: "console.error('vitest: boom in bench/x.bench.ts'); process.exit(3);",
    });
    const one = captureIo();
    expect(await main(['bench', '--root', root, '--filter', '@fake/good'], one, registry)).toBe(0);
    expect(one.stdout).toMatch(/^@fake\/good +rpc-null\.bench\.ts/m);

    const all = captureIo();
    expect(await main(['bench', '--root', root], all, registry)).toBe(1);
    expect(all.stdout).toMatch(/@fake\/bad: FAILED exit 3: vitest: boom in bench\/x\.bench\.ts/);
    expect(all.stdout).toMatch(/^@fake\/good /m);

    const read = captureIo();
    expect(await main(['bench', '--root', root, '--no-run', '--filter', '@fake/good'], read, registry)).toBe(
      0,
    );
    expect(read.stderr).not.toContain('running');
    expect(read.stdout).toContain('42.05× slower');
  });

  it('stops on Ctrl-C and says what completed', async () => {
    const root = fakeWorkspace({
      a: writeFixture,
      b: "console.log('started'); setTimeout(() => {}, 60_000);",
      c: writeFixture,
    });
    const stop = new AbortController();
    const io = captureIo(stop.signal);
    const running = main(['bench', '--root', root], io, registry);
    const deadline = Date.now() + 10_000;
    while (!io.stderr.includes('running @fake/b')) {
      if (Date.now() > deadline) throw new Error(`never reached @fake/b:\n${io.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    stop.abort();
    expect(await running).toBe(130);
    expect(io.stderr).toContain('interrupted: 1 of 3 packages completed (@fake/a); @fake/b was stopped');
    expect(io.stdout).toMatch(/^@fake\/a /m);
    expect(io.stdout).not.toContain('@fake/c');
  });

  it('bad usage exits 2', async () => {
    const root = fakeWorkspace({ a: writeFixture });
    const cases: [string[], RegExp][] = [
      [
        ['bench', '--root', root, '--filter', 'nope'],
        /--filter nope: no package with benchmarks by that name; known: @fake\/a/,
      ],
      [['bench', '--root', tmpdir()], /no pnpm-workspace\.yaml there or above/],
      [['bench', 'extra'], /extra/],
    ];
    for (const [argv, message] of cases) {
      const io = captureIo();
      expect(await main(argv, io, registry), argv.join(' ')).toBe(2);
      expect(io.stderr).toMatch(message);
    }
  });
});
