import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Opcode, readPcap } from '@rdmalab/roce';
import { describe, expect, it } from 'vitest';
import { captureScenario } from './capture-scenario.js';

function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('pcap export', () => {
  it('same seed, same fault plan → byte-identical pcap; another seed → a different one', async () => {
    const first = (await captureScenario(5)).fabric.pcap();
    const second = (await captureScenario(5)).fabric.pcap();
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(true);
    const other = (await captureScenario(6)).fabric.pcap();
    expect(Buffer.from(first).equals(Buffer.from(other))).toBe(false);
  });

  it('holds every transmitted packet, timestamped in virtual ns, with MACs derived from the IPs', async () => {
    const { fabric } = await captureScenario(5);
    const parsed = readPcap(fabric.pcap());
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const records = parsed.value.records;
    expect(records).toHaveLength(fabric.tap!.records.length);
    expect(records.length).toBe(fabric.stats.transmitted);
    const first = records[0]!;
    // dst MAC 02:00:0a:00:00:02 (server), src MAC 02:00:0a:00:00:01 (client).
    expect([...first.data.subarray(0, 12)]).toEqual([2, 0, 10, 0, 0, 2, 2, 0, 10, 0, 0, 1]);
    const times = fabric.tap!.frames.map((f) => f.timeNs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });
});

const haveTshark = hasCommand('tshark');
const need = process.env.RDMALAB_REQUIRE_PEERS === '1';

describe.skipIf(!haveTshark && !need)('tshark decodes a simulated capture', () => {
  it('shows CM REQ/REP/RTU, SENDs, ACKs with their syndromes, and the retransmission', async () => {
    if (!haveTshark) throw new Error('tshark is required (RDMALAB_REQUIRE_PEERS=1) but not installed');
    const { fabric, client, server } = await captureScenario(5);
    const dir = mkdtempSync(join(tmpdir(), 'hca-sim-pcap-'));
    const file = join(dir, 'run.pcap');
    writeFileSync(file, fabric.pcap());
    const out = execFileSync(
      'tshark',
      [
        '-r',
        file,
        '-T',
        'fields',
        '-E',
        'separator=;',
        '-e',
        'infiniband.bth.opcode',
        '-e',
        'infiniband.bth.psn',
        '-e',
        'infiniband.bth.destqp',
        '-e',
        'infiniband.aeth.syndrome',
        '-e',
        'infiniband.mad.attributeid',
        '-e',
        'infiniband.cm.req.localqpn',
        '-e',
        'infiniband.cm.req.startpsn',
        '-e',
        'infiniband.cm.rep.localqpn',
      ],
      { encoding: 'utf8' },
    );
    const rows = out
      .trim()
      .split('\n')
      .map((line) => line.split(';'));
    const records = fabric.tap!.records;
    expect(rows).toHaveLength(records.length);
    for (const [i, row] of rows.entries()) {
      const r = records[i]!;
      expect(Number(row[0]), `frame ${i + 1} opcode`).toBe(r.opcode);
      expect(Number(row[1]), `frame ${i + 1} psn`).toBe(r.psn);
      expect(Number(row[2]), `frame ${i + 1} destqp`).toBe(r.destQp);
    }
    // CM handshake: attribute IDs 0x0010 REQ, 0x0013 REP, 0x0014 RTU; the REQ names the client QP.
    const cm = rows.filter((row) => row[4] !== '');
    expect(cm.slice(0, 3).map((row) => Number(row[4]))).toEqual([0x10, 0x13, 0x14]);
    expect(Number(cm[0]![5])).toBe(client.qp.qpNum);
    expect(Number(cm[0]![6])).toBe(client.qp.query().sqPsn);
    expect(Number(cm[1]![7])).toBe(server.qp.qpNum);
    // ACKs decode with the unlimited-credit syndrome 0x1f.
    const acks = rows.filter((row) => Number(row[0]) === Opcode.RC_ACKNOWLEDGE);
    expect(acks.length).toBeGreaterThan(0);
    expect(acks.every((row) => Number(row[3]) === 0x1f)).toBe(true);
    // The first SEND appears twice with the same PSN: the original and the retransmission.
    const sends = rows.filter((row) => Number(row[0]) === Opcode.RC_SEND_ONLY);
    expect(sends.length).toBe(4);
    expect(sends[0]![1]).toBe(sends[1]![1]);
    expect(records.some((r) => r.retransmission)).toBe(true);
  });
});
