import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { CommandRegistry, main, scenarioCommand } from '../src/index.js';
import { captureIo } from './cli-io.js';

const registry = new CommandRegistry().register(scenarioCommand);

interface Report {
  scenario: string;
  policy: string;
  held: boolean;
  violations: Record<string, number>;
  exposures: { owners: string[]; sample: string }[];
  dmaFaults: { faulted: boolean }[];
  connectionLosses: number;
  sqOverflows: number;
  stalls: number;
  rpcs: { completed: number; failed: number; retransmitted: number };
  dataVerified: boolean;
  latencyUs: { p50: number; p99: number };
  counters: Record<string, number>;
}

async function run(name: string, policy: string, extra: string[] = []): Promise<{ code: number; r: Report }> {
  const io = captureIo();
  const code = await main(['scenario', 'run', name, '--policy', policy, '--json', ...extra], io, registry);
  return { code, r: JSON.parse(io.stdout) as Report };
}

/** Each scenario, the invariants its broken policy must violate, and what else must show. */
const CASES: { name: string; breaks: string[]; also?: (broken: Report, fixed: Report) => void }[] = [
  {
    name: 'delayed-send-completion',
    breaks: ['I1', 'I2'],
    also: (b, f) => {
      expect(b.exposures[0]!.owners).toEqual(['nfs:/bob-payroll.db#0']);
      expect(f.counters.reply_waits_for_send).toBe(1);
    },
  },
  {
    name: 'partition',
    breaks: ['I2'],
    also: (b, f) => {
      expect(b.exposures[0]!.owners).toEqual(['nfs:/bob.db#0']);
      // The long outage: RETRY_EXC_ERR, a lost connection, a reconnect, RPCs retransmitted, no data lost.
      expect(f.connectionLosses).toBeGreaterThan(0);
      expect(f.rpcs.retransmitted).toBeGreaterThan(0);
    },
  },
  {
    name: 'sendctx-exhaustion',
    breaks: ['I3'],
    also: (b, f) => {
      expect(b.sqOverflows).toBeGreaterThan(0);
      expect(f.counters.empty_sendctx_q).toBeGreaterThan(0);
      expect(f.sqOverflows).toBe(0);
    },
  },
  {
    name: 'empty-ring-wakeup-race',
    breaks: ['I5'],
    also: (b, f) => {
      expect(b.stalls).toBeGreaterThan(0);
      expect(f.stalls).toBe(0);
    },
  },
  {
    name: 'fastreg-sq-wrap',
    breaks: ['I3'],
    also: (b, f) => {
      expect(b.sqOverflows).toBeGreaterThan(0);
      expect(f.counters.read_chunk_count).toBeGreaterThanOrEqual(400);
    },
  },
  {
    name: 'inline-buffer-recycle',
    breaks: ['I7', 'I2'],
    also: (b) => expect(b.exposures[0]!.sample).toContain('PIN 4321'),
  },
  {
    name: 'prep-failure-slot-leak',
    breaks: ['I5', 'I4'],
    also: (b, f) => {
      expect(b.dataVerified).toBe(false);
      expect(f.counters.prepsend_failed).toBeGreaterThan(0);
    },
  },
];

describe('rdmalab scenario run NAME --policy broken|fixed --json', () => {
  for (const c of CASES) {
    it(`${c.name}: broken violates ${c.breaks.join(', ')}; fixed violates nothing and reads back intact`, async () => {
      const broken = await run(c.name, 'broken');
      const fixed = await run(c.name, 'fixed');
      expect(broken.code).toBe(1);
      expect(broken.r).toMatchObject({ scenario: c.name, policy: 'broken', held: false });
      for (const id of c.breaks) expect(broken.r.violations[id], `${c.name} broken ${id}`).toBeGreaterThan(0);
      expect(fixed.code).toBe(0);
      expect(fixed.r).toMatchObject({ scenario: c.name, policy: 'fixed', held: true, dataVerified: true });
      expect(Object.values(fixed.r.violations)).toEqual([0, 0, 0, 0, 0, 0, 0]);
      expect(fixed.r.rpcs.completed).toBeGreaterThan(0);
      expect(fixed.r.latencyUs.p99).toBeGreaterThanOrEqual(fixed.r.latencyUs.p50);
      c.also?.(broken.r, fixed.r);
    });
  }

  it('the same seed gives the same run; --iommu strict turns the exposure into a fault and a lost connection', async () => {
    const a = await run('delayed-send-completion', 'broken', ['--seed', '9']);
    const b = await run('delayed-send-completion', 'broken', ['--seed', '9']);
    expect(a.r).toEqual(b.r);
    const strict = await run('delayed-send-completion', 'broken', ['--iommu', 'strict']);
    expect(strict.r.exposures).toEqual([]);
    expect(strict.r.dmaFaults.some((f) => f.faulted)).toBe(true);
    expect(strict.r.connectionLosses).toBe(1);
  });

  it('runs a named preset, and tells the story in words', async () => {
    const preset = await run('delayed-send-completion', 'nvme-rdma');
    expect(preset.r).toMatchObject({ policy: 'nvme-rdma', held: true });
    const io = captureIo();
    expect(await main(['scenario', 'run', 'delayed-send-completion'], io, registry)).toBe(1);
    expect(io.stdout).toMatch(/EXPOSED .* bytes of "nfs:\/bob-payroll\.db#0" on the wire/);
    expect(io.stdout).toContain('I2 × 1');
    expect(io.stdout.trim().endsWith('BROKE')).toBe(true);
  });
});

describe('rdmalab scenario: list and bad input', () => {
  it('lists every scenario of DESIGN.md §6', async () => {
    const io = captureIo();
    expect(await main(['scenario', 'list', '--json'], io, registry)).toBe(0);
    const names = (JSON.parse(io.stdout) as { name: string }[]).map((s) => s.name);
    expect(names).toEqual(CASES.map((c) => c.name).sort((x, y) => names.indexOf(x) - names.indexOf(y)));
    expect(names).toHaveLength(7);
    const text = captureIo();
    expect(await main(['scenario', 'list'], text, registry)).toBe(0);
    expect(text.stdout).toContain('fastreg-sq-wrap');
  });

  it('unknown scenario or policy → exit 2 with the valid names; bad flag values are named', async () => {
    const io = captureIo();
    expect(await main(['scenario', 'run', 'nope'], io, registry)).toBe(2);
    expect(io.stderr).toContain(
      'unknown scenario "nope". Valid scenarios: delayed-send-completion, partition',
    );
    const io2 = captureIo();
    expect(await main(['scenario', 'run', 'partition', '--policy', 'linux-9'], io2, registry)).toBe(2);
    expect(io2.stderr).toContain('unknown policy "linux-9". Valid policies: broken, fixed, linux-4.14');
    const io3 = captureIo();
    expect(await main(['scenario', 'run', 'partition', '--seed', '1.5'], io3, registry)).toBe(2);
    expect(io3.stderr).toContain('--seed must be an integer >= 0, got "1.5"');
    const io4 = captureIo();
    expect(await main(['scenario', 'run', 'partition', '--iommu', 'smmu'], io4, registry)).toBe(2);
    expect(io4.stderr).toContain('--iommu must be one of strict, passthrough, got "smmu"');
    const io5 = captureIo();
    expect(await main(['scenario', 'frob'], io5, registry)).toBe(2);
    expect(io5.stderr).toContain('expected "list" or "run NAME"');
  });
});
