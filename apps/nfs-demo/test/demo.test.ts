import 'reflect-metadata';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandRegistry, demoCommand, main } from '../src/index.js';
import { captureIo } from './cli-io.js';

const registry = new CommandRegistry().register(demoCommand);

interface DemoRun {
  label: string;
  held: boolean;
  lifetime: string;
  iommu: string;
  connectionLost: boolean;
  sendStatus: string;
  exposures: { owners: string[]; differingBytes: number; sample: string }[];
  dmaFaults: { faulted: boolean }[];
  retransmissions: number;
  replyWaitedForSendNs: number;
  rpcLatencyNs: number;
  callDelivered: boolean;
}

describe('rdmalab demo', () => {
  it('shows the broken policy break both ways and the fixed one hold (--json)', async () => {
    const io = captureIo();
    const code = await main(['demo', '--json', '--seed', '3'], io, registry);
    const report = JSON.parse(io.stdout) as { fixedHeld: boolean; runs: DemoRun[] };
    expect(code).toBe(0);
    expect(report.fixedHeld).toBe(true);
    const [strictBroken, openBroken, strictFixed, openFixed, fastBroken, fastFixed] = report.runs;

    // Strict IOMMU: the retransmission reads an unmapped page; the connection dies.
    expect(strictBroken).toMatchObject({ held: false, connectionLost: true, sendStatus: 'LOC_PROT_ERR' });
    expect(strictBroken!.dmaFaults.some((f) => f.faulted)).toBe(true);
    // No IOMMU: another tenant's bytes go on the wire, and the tap names them.
    expect(openBroken).toMatchObject({ held: false, connectionLost: false });
    expect(openBroken!.exposures[0]!.owners).toEqual(['tenant-b: payroll.db']);
    expect(openBroken!.exposures[0]!.sample).toContain('tenant-b');
    // The fix holds in both modes, waiting for the retransmitted Send.
    for (const run of [strictFixed!, openFixed!]) {
      expect(run).toMatchObject({ held: true, sendStatus: 'SUCCESS', callDelivered: true, exposures: [] });
      expect(run.retransmissions).toBeGreaterThan(0);
      expect(run.replyWaitedForSendNs).toBeGreaterThan(40_000_000);
    }
    // With no faults the wait costs nothing.
    expect(fastFixed!.replyWaitedForSendNs).toBe(0);
    expect(fastFixed!.rpcLatencyNs).toBe(fastBroken!.rpcLatencyNs);
  });

  it('tells the story in words and writes a pcap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rdmalab-demo-'));
    const pcap = join(dir, 'seed.pcap');
    const io = captureIo();
    expect(await main(['demo', '--pcap', pcap], io, registry)).toBe(0);
    expect(io.stdout).toMatch(/release on reply, strict IOMMU\s+BROKEN .*LOC_PROT_ERR/);
    expect(io.stdout).toMatch(/release on reply, no IOMMU\s+BROKEN .*tenant-b: payroll\.db/);
    expect(io.stdout).toMatch(/wait for Send, no IOMMU\s+ok/);
    expect(io.stdout).toContain('The fixed policy held in every run.');
    const bytes = readFileSync(pcap);
    expect(bytes.readUInt32LE(0)).toBe(0xa1b23c4d); // nanosecond pcap magic
    expect(bytes.length).toBeGreaterThan(1000);
  });

  it('rejects bad usage with exit 2 and names what was wrong', async () => {
    const io = captureIo();
    expect(await main(['demo', '--seed', 'x'], io, registry)).toBe(2);
    expect(io.stderr).toContain('--seed must be a non-negative integer, got "x"');
    const io2 = captureIo();
    expect(await main(['demo', '--bogus'], io2, registry)).toBe(2);
    expect(io2.stderr).toMatch(/bogus/);
    const io3 = captureIo();
    expect(await main(['frobnicate'], io3, registry)).toBe(2);
    expect(io3.stderr).toContain('Valid commands: demo');
  });
});
