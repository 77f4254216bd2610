import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { cliRegistry, main } from '../src/index.js';
import { captureIo } from './cli-io.js';

describe('the rdmalab command set', () => {
  it('an unknown command exits 2 and lists every valid one', async () => {
    const io = captureIo();
    expect(await main(['mount'], io, cliRegistry())).toBe(2);
    expect(io.stderr).toContain(
      'unknown command "mount". Valid commands: bench, demo, nfs, rpcinfo, scenario, serve, sweep',
    );
  });

  it('--help of each command prints its usage', async () => {
    for (const name of ['bench', 'nfs', 'rpcinfo', 'serve']) {
      const io = captureIo();
      expect(await main([name, '--help'], io, cliRegistry())).toBe(0);
      expect(io.stdout).toMatch(new RegExp(`^usage: rdmalab ${name} `));
    }
  });
});
