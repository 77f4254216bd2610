import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as net from 'node:net';

/** Whether an external tool is installed (PATH, or the sbin directories a non-root PATH lacks). */
export function hasCommand(name: string): boolean {
  if (spawnSync('sh', ['-c', `command -v ${name}`]).status === 0) return true;
  return ['/usr/sbin', '/sbin', '/usr/local/sbin'].some((dir) => existsSync(`${dir}/${name}`));
}

export function commandPath(name: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (found.status === 0) return found.stdout.trim();
  for (const dir of ['/usr/sbin', '/sbin', '/usr/local/sbin'])
    if (existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  throw new Error(`${name} is not installed`);
}

/** CI sets RDMALAB_REQUIRE_PEERS=1: a missing peer then fails instead of skipping. */
export const requirePeers = process.env.RDMALAB_REQUIRE_PEERS === '1';

/** Whether something accepts TCP connections on host:port. */
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

export async function waitListening(host: string, port: number, totalMs: number): Promise<boolean> {
  const deadline = Date.now() + totalMs;
  while (Date.now() < deadline) {
    if (await isListening(host, port)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
