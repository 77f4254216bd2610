import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The built CLI: the tests run it as separate processes, as a user would. */
export const CLI = join(APP_DIR, 'dist', 'cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Build dist/ when it is missing or older than src/ (turbo builds it before the tests in CI). */
export function ensureCliBuilt(): void {
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newestMtime(join(APP_DIR, 'src'))) return;
  execFileSync(
    process.execPath,
    [join(APP_DIR, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    { cwd: APP_DIR, stdio: 'inherit' },
  );
}

/** `node cli.js ARGS`, inside network namespace `netns` when given. */
function spawnCli(args: readonly string[], netns?: string): ChildProcess {
  const argv = [CLI, ...args];
  return netns === undefined
    ? spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('ip', ['netns', 'exec', netns, process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface ServeProcess {
  readonly child: ChildProcess;
  /** The TCP port MOUNT (and NFS) is served on. */
  readonly mountPort: number;
  stdout(): string;
  stderr(): string;
  /** SIGINT (what Ctrl-C sends) and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: the server dies mid-whatever, its UDP and TCP sockets with it. */
  kill(): Promise<void>;
}

/** Every serve process started, so a file's afterAll can end them even after a failed test. */
const started = new Set<ServeProcess>();

/** Start `rdmalab serve ARGS` and wait until it says it is serving (else reject with its output). */
export async function startServe(args: readonly string[], netns?: string): Promise<ServeProcess> {
  ensureCliBuilt();
  const child = spawnCli(['serve', ...args], netns);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve not up in 20 s:\n${out}\n${err}`)), 20_000);
    const check = () => {
      if (out.includes('serving until Ctrl-C')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before serving:\n${out}\n${err}`));
    });
  });
  const m = /over tcp on \S+:(\d+)/.exec(out);
  if (m === null) throw new Error(`serve printed no TCP port:\n${out}`);
  const serve: ServeProcess = {
    child,
    mountPort: Number(m[1]),
    stdout: () => out,
    stderr: () => err,
    async stop() {
      started.delete(serve);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return exited;
    },
    async kill() {
      started.delete(serve);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  started.add(serve);
  return serve;
}

/** SIGKILL every serve process still running (for afterAll). */
export async function killAllServes(): Promise<void> {
  await Promise.all([...started].map((s) => s.kill()));
}

export interface CliResult {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  readonly ms: number;
}

/** Run `rdmalab ARGS` to completion (SIGKILLed after `timeoutMs`). */
export function runCli(args: readonly string[], netns?: string, timeoutMs = 120_000): Promise<CliResult> {
  ensureCliBuilt();
  const t0 = performance.now();
  const child = spawnCli(args, netns);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, ms: performance.now() - t0 });
    }),
  );
}

/** A TCP port free on `host` right now (bound and released), for a server that must keep it across restarts. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Deterministic bytes, so corruption at any offset shows. */
export function patternBytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
