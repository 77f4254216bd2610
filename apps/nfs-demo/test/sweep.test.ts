import 'reflect-metadata';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRESETS } from '@rdmalab/xprtrdma';
import { describe, expect, it } from 'vitest';
import { CommandRegistry, main, sweepCommand } from '../src/index.js';
import { runSweepSeed } from '../src/sweep/run-seed.js';
import { runSweepPool, workerScript } from '../src/sweep/sweep-pool.js';
import { captureIo } from './cli-io.js';

const registry = new CommandRegistry().register(sweepCommand);

interface Summary {
  ran: number;
  failed: number;
  failingShare: number;
  complete: boolean;
  byInvariant: Record<string, number>;
  failingSeeds: { seed: number; violations: Record<string, number>; schedule: string }[];
}

async function sweep(args: string[]): Promise<{ code: number; s: Summary; stderr: string }> {
  const io = captureIo();
  const code = await main(['sweep', '--json', ...args], io, registry);
  return { code, s: JSON.parse(io.stdout) as Summary, stderr: io.stderr };
}

describe('rdmalab sweep', () => {
  it('the fixed policy holds for 200 random fault schedules; the pre-2017 one fails a share of them', async () => {
    const fixed = await sweep(['--seeds', '200']);
    expect(fixed.code).toBe(0);
    expect(fixed.s).toMatchObject({ ran: 200, failed: 0, complete: true });
    expect(fixed.stderr).toContain('sweep: 200/200');

    const broken = await sweep(['--seeds', '200', '--policy', 'broken']);
    expect(broken.code).toBe(1);
    expect(broken.s.ran).toBe(200);
    expect(broken.s.failingShare).toBeGreaterThan(0);
    expect(broken.s.failingShare).toBeLessThan(0.5);
    // Release on reply: retransmissions carry other bytes (I2).
    expect(broken.s.byInvariant.I2).toBeGreaterThan(0);
    expect(broken.s.failingSeeds.every((f) => f.schedule.length > 0)).toBe(true);
  }, 120_000);

  it('--shard splits the seeds; a failing seed replays with the same verdict, a trace and a pcap', async () => {
    const a = await sweep(['--seeds', '20', '--policy', 'broken', '--shard', '1/2']);
    const b = await sweep(['--seeds', '20', '--policy', 'broken', '--shard', '2/2']);
    expect(a.s.ran + b.s.ran).toBe(20);
    const whole = await sweep(['--seeds', '20', '--policy', 'broken']);
    const seeds = [...a.s.failingSeeds, ...b.s.failingSeeds].map((f) => f.seed).sort((x, y) => x - y);
    expect(seeds).toEqual(whole.s.failingSeeds.map((f) => f.seed));
    const failing = whole.s.failingSeeds[0]!;

    const dir = mkdtempSync(join(tmpdir(), 'rdmalab-sweep-'));
    const io = captureIo();
    const code = await main(
      [
        'sweep',
        '--replay',
        String(failing.seed),
        '--policy',
        'broken',
        '--json',
        '--trace',
        join(dir, 't.json'),
        '--pcap',
        join(dir, 'p.pcap'),
      ],
      io,
      registry,
    );
    expect(code).toBe(1);
    const replay = JSON.parse(io.stdout) as { violations: Record<string, number>; schedule: string };
    expect(replay.violations).toEqual(failing.violations);
    expect(replay.schedule).toBe(failing.schedule);
    const trace = JSON.parse(readFileSync(join(dir, 't.json'), 'utf8')) as {
      traceEvents: { name: string }[];
    };
    expect(trace.traceEvents.some((e) => e.name === 'retransmit')).toBe(true);
    expect(readFileSync(join(dir, 'p.pcap')).readUInt32LE(0)).toBe(0xa1b23c4d);
  }, 60_000);

  it('Ctrl-C stops the sweep and says what completed; bad values are named', async () => {
    const controller = new AbortController();
    const io = captureIo(controller.signal);
    controller.abort();
    expect(await main(['sweep', '--seeds', '50'], io, registry)).toBe(130);
    expect(io.stderr).toMatch(/interrupted after \d+ of 50 seeds/);
    const bad = captureIo();
    expect(await main(['sweep', '--shard', '3/2'], bad, registry)).toBe(2);
    expect(bad.stderr).toContain('--shard must be I/N with 1 <= I <= N (e.g. 2/4), got "3/2"');
    const bad2 = captureIo();
    expect(await main(['sweep', '--policy', 'yolo'], bad2, registry)).toBe(2);
    expect(bad2.stderr).toContain('unknown policy "yolo". Valid policies: broken, fixed');
    const bad3 = captureIo();
    expect(await main(['sweep', '--seeds', '0'], bad3, registry)).toBe(2);
    expect(bad3.stderr).toContain('--seeds must be an integer >= 1, got "0"');
  });

  describe.skipIf(workerScript() === undefined)(
    'on worker threads (needs the built dist: pnpm build)',
    () => {
      it('gives the same outcomes as running the seeds in this thread', async () => {
        const seeds = [5, 8, 12, 13];
        const pooled = await runSweepPool({
          seeds,
          spec: PRESETS['linux-4.14'],
          iommu: 'passthrough',
          jobs: 2,
        });
        expect(pooled.threads).toBe(2);
        for (const o of pooled.outcomes) {
          const here = await runSweepSeed({
            seed: o.seed,
            spec: PRESETS['linux-4.14'],
            iommu: 'passthrough',
          });
          expect({ ok: o.ok, violations: o.violations, schedule: o.schedule }).toEqual({
            ok: here.ok,
            violations: here.violations,
            schedule: here.schedule,
          });
        }
      });
    },
  );
});
