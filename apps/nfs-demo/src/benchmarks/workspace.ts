import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** A workspace package that defines a `bench` script and has benchmark files. */
export interface BenchPackage {
  readonly name: string;
  readonly dir: string;
  /** The package's `bench` script, run as `pnpm run bench` would. */
  readonly script: string;
  /** Where its vitest config writes the JSON report (`--outputJson bench-results/bench.json`). */
  readonly resultsFile: string;
}

const WORKSPACE_FILE = 'pnpm-workspace.yaml';

/** The nearest directory at or above `from` that holds pnpm-workspace.yaml. */
export function findWorkspaceRoot(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, WORKSPACE_FILE))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * The `packages:` patterns of pnpm-workspace.yaml. Only the forms this repository uses are
 * understood: a directory ("tools/x") or a directory's children ("packages/*"); others are skipped.
 */
export function workspacePatterns(yaml: string): string[] {
  const out: string[] = [];
  let inPackages = false;
  for (const line of yaml.split('\n')) {
    if (/^packages:\s*$/.test(line)) {
      inPackages = true;
      continue;
    }
    if (/^\S/.test(line)) inPackages = false;
    const item = /^\s+-\s+['"]?([^'"#\s]+)['"]?\s*(#.*)?$/.exec(line);
    if (inPackages && item) out.push(item[1]!);
  }
  return out;
}

function hasBenchFiles(dir: string): boolean {
  const benchDir = join(dir, 'bench');
  if (!existsSync(benchDir)) return false;
  return readdirSync(benchDir, { recursive: true, encoding: 'utf8' }).some((f) =>
    /\.bench\.[cm]?[jt]s$/.test(f),
  );
}

/** Packages of the workspace at `root` with a bench script and bench/*.bench.ts files, by name. */
export function benchPackages(root: string): BenchPackage[] {
  const dirs: string[] = [];
  for (const pattern of workspacePatterns(readFileSync(join(root, WORKSPACE_FILE), 'utf8'))) {
    if (pattern.startsWith('!')) continue;
    if (pattern.endsWith('/*')) {
      const parent = join(root, pattern.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const child of readdirSync(parent).sort()) {
        const dir = join(parent, child);
        if (statSync(dir).isDirectory()) dirs.push(dir);
      }
    } else if (!pattern.includes('*')) {
      dirs.push(join(root, pattern));
    }
  }
  const found: BenchPackage[] = [];
  for (const dir of dirs) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
      name?: unknown;
      scripts?: Record<string, unknown>;
    };
    const script = pkg.scripts?.bench;
    if (typeof pkg.name !== 'string' || typeof script !== 'string' || !hasBenchFiles(dir)) continue;
    const output = /--outputJson[= ](\S+)/.exec(script)?.[1] ?? 'bench-results/bench.json';
    found.push({ name: pkg.name, dir, script, resultsFile: join(dir, output) });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}
