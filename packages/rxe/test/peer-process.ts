import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SERVE_CLI = join(PACKAGE_DIR, 'dist', 'peer', 'serve-cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The peer script runs from dist/: build it when it is missing or older than src/ (turbo builds it first in CI). */
export function ensureBuilt(): void {
  if (existsSync(SERVE_CLI) && statSync(SERVE_CLI).mtimeMs >= newestMtime(join(PACKAGE_DIR, 'src'))) return;
  execFileSync(
    process.execPath,
    [join(PACKAGE_DIR, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: PACKAGE_DIR,
      stdio: 'inherit',
    },
  );
}

export interface PeerProcess {
  readonly child: ChildProcess;
  /** Everything the peer wrote to stderr (its log). */
  readonly log: string[];
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number | null>;
  /** SIGKILL: the process dies mid-whatever, sockets and all. */
  kill(): Promise<void>;
}

export interface PeerArgs {
  ip: string;
  port: number;
  mtu?: number;
  bufferMib?: number;
  ackTimeout?: number;
  /** `ip netns exec NAME` prefix: run the peer inside that network namespace. */
  netns?: string;
}

/** Start `serve-cli` in a second Node process (optionally inside a netns) and wait for its READY line. */
export async function spawnPeer(args: PeerArgs): Promise<PeerProcess> {
  ensureBuilt();
  const cliArgs = [SERVE_CLI, '--ip', args.ip, '--port', String(args.port)];
  if (args.mtu !== undefined) cliArgs.push('--mtu', String(args.mtu));
  if (args.bufferMib !== undefined) cliArgs.push('--buffer-mib', String(args.bufferMib));
  if (args.ackTimeout !== undefined) cliArgs.push('--ack-timeout', String(args.ackTimeout));
  const child =
    args.netns === undefined
      ? spawn(process.execPath, cliArgs, { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('ip', ['netns', 'exec', args.netns, process.execPath, ...cliArgs], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
  const log: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (text: string) => log.push(text));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`peer on ${args.ip} not READY in 10 s; log: ${log.join('')}`)),
      10_000,
    );
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      if (out.includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`peer on ${args.ip} exited with ${code} before READY; log: ${log.join('')}`));
    });
  });
  return {
    child,
    log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
