import { execFileSync } from 'node:child_process';

/** Whether `name` runs here (found on PATH). */
export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const isRoot = process.getuid?.() === 0;
/** CI sets RDMALAB_REQUIRE_PEERS=1: then a missing tool or privilege fails the test instead of skipping it. */
export const requirePeers = process.env.RDMALAB_REQUIRE_PEERS === '1';
