/**
 * Wireshark is the independent oracle: the capture built by our encoders must dissect, frame by
 * frame, as the opcodes, PSNs, AETH syndromes and CM messages we meant, with nothing malformed.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CmAttributeId, decodeFrame, readPcap } from '../src/index.js';
import { buildConversation } from './tshark-capture.js';

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

const haveTshark = hasCommand('tshark');
const need = process.env.RDMALAB_REQUIRE_PEERS === '1';

const FIELDS = [
  'frame.number',
  'infiniband.bth.opcode',
  'infiniband.bth.psn',
  'infiniband.bth.destqp',
  'infiniband.aeth.syndrome',
  'infiniband.mad.attributeid',
  'infiniband.invariant.crc',
  '_ws.malformed',
  '_ws.expert.severity',
  'infiniband.cm.req.localqpn',
  'infiniband.cm.req.serviceid.dport',
  'infiniband.cm.req.ip_cm.sip4',
  'infiniband.cm.rep.localqpn',
] as const;

describe.skipIf(!haveTshark && !need)('tshark dissects our capture (skipped: tshark not installed)', () => {
  const { pcap, expected } = buildConversation();
  type Row = Record<(typeof FIELDS)[number], string>;
  let run: SpawnSyncReturns<string>;
  let rows: Row[] = [];
  let dir = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rdmalab-roce-'));
    const file = join(dir, 'conversation.pcap');
    writeFileSync(file, pcap);
    run = spawnSync(
      'tshark',
      [
        '-n',
        '-r',
        file,
        '-T',
        'fields',
        '-E',
        'separator=|',
        '-E',
        'occurrence=f',
        ...FIELDS.flatMap((f) => ['-e', f]),
      ],
      { encoding: 'utf8' },
    );
    rows = (run.stdout ?? '')
      .trim()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => Object.fromEntries(line.split('|').map((value, i) => [FIELDS[i], value])) as Row);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs and shows one row per frame', () => {
    expect(run.error, 'tshark must be runnable').toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    expect(rows).toHaveLength(expected.length);
  });

  it('shows the opcode, PSN and destination QP we encoded on every frame', () => {
    expect(
      rows.map((r) => [
        Number(r['infiniband.bth.opcode']),
        Number(r['infiniband.bth.psn']),
        Number(r['infiniband.bth.destqp']),
      ]),
    ).toEqual(expected.map((e) => [e.opcode, e.psn, e.destQp]));
  });

  it('shows the AETH syndromes: ACK 0x1F, RNR NAK 0x2E, NAK PSN sequence error 0x60', () => {
    const syndromes = rows.map((r) =>
      r['infiniband.aeth.syndrome'] === '' ? undefined : Number(r['infiniband.aeth.syndrome']),
    );
    expect(syndromes).toEqual(expected.map((e) => e.syndrome));
    expect(syndromes).toContain(0x1f);
    expect(syndromes).toContain(0x2e);
    expect(syndromes).toContain(0x60);
  });

  it('recognises the CM REQ, REP and RTU MADs with their QPNs and IP CM data', () => {
    const cm = rows.map((r) =>
      r['infiniband.mad.attributeid'] === '' ? undefined : Number(r['infiniband.mad.attributeid']),
    );
    expect(cm).toEqual(expected.map((e) => (e.cm ? CmAttributeId[e.cm] : undefined)));
    expect(rows[0]).toMatchObject({
      'infiniband.cm.req.localqpn': '0x000011',
      'infiniband.cm.req.serviceid.dport': '0x1c06',
      'infiniband.cm.req.ip_cm.sip4': '10.0.0.1',
    });
    expect(rows[1]!['infiniband.cm.rep.localqpn']).toBe('0x000012');
  });

  it('flags nothing as malformed or as an error', () => {
    expect(rows.filter((r) => r['_ws.malformed'] !== '' || r['_ws.expert.severity'] !== '')).toEqual([]);
  });

  it('shows the same ICRC bytes our decoder reads and verifies', () => {
    const records = readPcap(pcap);
    if (!records.ok) throw new Error(records.detail);
    const ours = records.value.records.map((rec) => {
      const frame = decodeFrame(rec.data);
      if (!frame.ok) throw new Error(frame.detail);
      const bytes = rec.data.subarray(rec.data.length - 4);
      return `0x${Buffer.from(bytes).toString('hex')}`;
    });
    expect(rows.map((r) => r['infiniband.invariant.crc'])).toEqual(ours);
  });
});
