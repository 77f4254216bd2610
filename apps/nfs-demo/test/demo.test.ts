import 'reflect-metadata';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandRegistry, demoCommand, main } from '../src/index.js';
import { captureIo } from './cli-io.js';

const registry = new CommandRegistry().register(demoCommand);

interface SeedRun {
  policy: string;
  iommu: string;
  held: boolean;
  violations: Record<string, number>;
  connectionLosses: number;
  exposures: { owners: string[]; differingBytes: number; sample: string }[];
  dmaFaults: { faulted: boolean }[];
  dataVerified: boolean;
  counters: Record<string, number>;
  facts: Record<string, number | boolean>;
}

interface Workload {
  policy: string;
  dataVerified: boolean;
  files: number;
  bytes: number;
  rpcs: number;
  latencyUs: { p50: number; p99: number };
  counters: Record<string, number>;
}

describe('rdmalab demo', () => {
  it('runs NFS over xprtrdma, then shows the seed bug break both ways and the fix hold (--json)', async () => {
    const io = captureIo();
    const code = await main(['demo', '--json', '--seed', '3'], io, registry);
    const report = JSON.parse(io.stdout) as {
      fixedHeld: boolean;
      complete: boolean;
      workloads: Workload[];
      seedRuns: SeedRun[];
    };
    expect(code).toBe(0);
    expect(report).toMatchObject({ fixedHeld: true, complete: true });
    const [fixedLoad, brokenLoad] = report.workloads;
    // The workload really went over RDMA: read chunks (WRITE payload) and write chunks (READ payload).
    expect(fixedLoad).toMatchObject({ policy: 'fixed', dataVerified: true, files: 5 });
    expect(fixedLoad!.bytes).toBeGreaterThan(100_000);
    expect(fixedLoad!.counters.read_chunk_count).toBeGreaterThan(0);
    expect(fixedLoad!.counters.write_chunk_count).toBeGreaterThan(0);
    // With no faults the fix costs nothing.
    expect(fixedLoad!.latencyUs).toEqual(brokenLoad!.latencyUs);

    const [openBroken, strictBroken, openFixed, strictFixed] = report.seedRuns;
    // No IOMMU: Bob's payroll bytes go on the wire, and the tap names their owner.
    expect(openBroken).toMatchObject({ policy: 'broken', iommu: 'passthrough', held: false });
    expect(openBroken!.violations.I2).toBeGreaterThan(0);
    expect(openBroken!.exposures[0]!.owners).toEqual(['nfs:/bob-payroll.db#0']);
    expect(openBroken!.exposures[0]!.sample).toContain('SSN 078-05-1120');
    // Strict IOMMU: the retransmission faults and the connection is lost.
    expect(strictBroken).toMatchObject({
      policy: 'broken',
      iommu: 'strict',
      held: false,
      connectionLosses: 1,
    });
    expect(strictBroken!.dmaFaults.some((f) => f.faulted)).toBe(true);
    // The fix holds both ways; the RPC waited for the retransmitted Send.
    for (const run of [openFixed!, strictFixed!]) {
      expect(run).toMatchObject({
        policy: 'fixed',
        held: true,
        dataVerified: true,
        exposures: [],
        connectionLosses: 0,
      });
      expect(run.counters.reply_waits_for_send).toBe(1);
      expect(run.facts.aliceWriteMs).toBeGreaterThan(60);
    }
  });

  it('tells the story in words, with progress on stderr, and writes a pcap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rdmalab-demo-'));
    const pcap = join(dir, 'seed.pcap');
    const io = captureIo();
    expect(await main(['demo', '--pcap', pcap], io, registry)).toBe(0);
    expect(io.stdout).toMatch(/fixed\s+5 files, \d+ bytes read back intact/);
    expect(io.stdout).toMatch(/EXPOSED .*"nfs:\/bob-payroll\.db#0" on the wire/);
    expect(io.stdout).toMatch(/FAULTED .*LOC_PROT_ERR, QP flushed, 1 connection loss/);
    expect(io.stdout).toContain('The fixed policy held in every run');
    expect(io.stderr).toContain('demo: 6/6');
    const bytes = readFileSync(pcap);
    expect(bytes.readUInt32LE(0)).toBe(0xa1b23c4d); // nanosecond pcap magic
    expect(bytes.length).toBeGreaterThan(1000);
  });

  it('stops when interrupted and says what completed', async () => {
    const controller = new AbortController();
    controller.abort();
    const io = captureIo(controller.signal);
    expect(await main(['demo'], io, registry)).toBe(130);
    expect(io.stderr).toContain('interrupted after 0 of 6 runs');
  });

  it('rejects bad usage with exit 2 and names what was wrong', async () => {
    const io = captureIo();
    expect(await main(['demo', '--seed', 'x'], io, registry)).toBe(2);
    expect(io.stderr).toContain('--seed must be an integer >= 0, got "x"');
    const io2 = captureIo();
    expect(await main(['demo', '--bogus'], io2, registry)).toBe(2);
    expect(io2.stderr).toMatch(/bogus/);
    const io3 = captureIo();
    expect(await main(['frobnicate'], io3, registry)).toBe(2);
    expect(io3.stderr).toContain('Valid commands: demo');
  });
});
