import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import * as net from 'node:net';

/** Whether an external tool is installed (PATH, or the sbin directories a non-root PATH lacks). */
export function hasCommand(name: string): boolean {
  return commandPath(name) !== undefined;
}

export function commandPath(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (found.status === 0) return found.stdout.trim();
  return ['/usr/sbin', '/sbin', '/usr/local/sbin'].map((d) => `${d}/${name}`).find((p) => existsSync(p));
}

/** CI sets RDMALAB_REQUIRE_PEERS=1: a missing peer then fails instead of skipping. */
export const requirePeers = process.env.RDMALAB_REQUIRE_PEERS === '1';

export function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Make sure rpcbind listens on 127.0.0.1:111: if nothing does, start `rpcbind -f -w` (needs root).
 * Resolves with a stop function that ends only the process started here.
 */
export async function ensureRpcbind(): Promise<() => Promise<void>> {
  if (await isListening('127.0.0.1', 111)) return async () => {};
  const path = commandPath('rpcbind');
  if (path === undefined) throw new Error('rpcbind is not installed: apt-get install rpcbind');
  if (process.getuid?.() !== 0) throw new Error('rpcbind must be started as root to bind port 111');
  mkdirSync('/run/rpcbind', { recursive: true });
  const child: ChildProcess = spawn(path, ['-f', '-w'], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  while (!(await isListening('127.0.0.1', 111))) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error('rpcbind did not start listening on 111');
    await new Promise((r) => setTimeout(r, 50));
  }
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  };
}
