import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { CommandRegistry, main, sweepCommand } from '../src/index.js';
import { captureIo } from './cli-io.js';

const registry = new CommandRegistry().register(sweepCommand);

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const code = await main(['sweep', ...args], io, registry);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe('rdmalab sweep --rpc-timeout', () => {
  it.each(['0', '-5', '1.5', 'abc', '', '1e3'])(
    'rejects "%s" with exit 2 and names the flag',
    async (bad) => {
      const r = await run(['--seeds', '1', '--jobs', '0', `--rpc-timeout=${bad}`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--rpc-timeout must be a positive integer of milliseconds, got "${bad}"`);
      expect(r.stdout).toBe('');
    },
  );

  it('a bad value for --replay exits 2 too, before running anything', async () => {
    const r = await run(['--replay', '3', '--rpc-timeout', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--rpc-timeout must be a positive integer');
  });

  it('the fixed policy holds over 20 seeds with a 10 s RPC timeout; the timeout is reported', async () => {
    const json = await run(['--seeds', '20', '--jobs', '0', '--rpc-timeout', '10000', '--json']);
    expect(json.code).toBe(0);
    const s = JSON.parse(json.stdout) as {
      ran: number;
      failed: number;
      complete: boolean;
      rpcTimeoutMs: number;
    };
    expect(s).toMatchObject({ ran: 20, failed: 0, complete: true, rpcTimeoutMs: 10000 });

    const human = await run(['--seeds', '2', '--jobs', '0', '--rpc-timeout', '10000']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('RPC timeout 10000 ms');
  }, 120_000);

  it('defaults to 1000 ms and passes the value to --replay', async () => {
    const def = await run(['--replay', '1', '--json']);
    expect((JSON.parse(def.stdout) as { rpcTimeoutMs: number }).rpcTimeoutMs).toBe(1000);
    const replay = await run(['--replay', '1', '--rpc-timeout', '2500']);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('RPC timeout 2500 ms');
  }, 60_000);
});
