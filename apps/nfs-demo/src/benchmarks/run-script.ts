import { spawn } from 'node:child_process';
import { delimiter, join } from 'node:path';

export interface ScriptRun {
  /** Exit code, or null when a signal ended it. */
  readonly code: number | null;
  /** True when `signal` stopped it. */
  readonly interrupted: boolean;
  /** The last lines it printed (both streams), for a failure message. */
  readonly tail: string;
  readonly elapsedMs: number;
}

const TAIL_BYTES = 4000;

/**
 * Run a package script the way `pnpm run` does: `sh -c SCRIPT` in the package directory with its
 * and the workspace's node_modules/.bin first on PATH. The script runs in its own process group,
 * so on `signal` the whole group (vitest and its workers) gets SIGINT, then SIGKILL after 5 s.
 */
export function runPackageScript(
  script: string,
  options: { readonly cwd: string; readonly root: string; readonly signal: AbortSignal },
): Promise<ScriptRun> {
  const started = Date.now();
  const path = [
    join(options.cwd, 'node_modules', '.bin'),
    join(options.root, 'node_modules', '.bin'),
    process.env.PATH ?? '',
  ]
    .filter((p) => p !== '')
    .join(delimiter);
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], {
      cwd: options.cwd,
      env: { ...process.env, PATH: path, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let interrupted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const signalGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // The group is already gone.
      }
    };
    const onAbort = () => {
      interrupted = true;
      signalGroup('SIGINT');
      killTimer = setTimeout(() => signalGroup('SIGKILL'), 5000);
    };
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (e) => {
      options.signal.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.once('close', (code) => {
      options.signal.removeEventListener('abort', onAbort);
      if (killTimer !== undefined) clearTimeout(killTimer);
      resolve({ code, interrupted, tail, elapsedMs: Date.now() - started });
    });
  });
}
