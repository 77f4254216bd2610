import 'reflect-metadata';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandRegistry, main, scenarioCommand } from '../src/index.js';
import { captureIo } from './cli-io.js';

const registry = new CommandRegistry().register(scenarioCommand);
const haveTshark = spawnSync('sh', ['-c', 'command -v tshark']).status === 0;
const need = process.env.RDMALAB_REQUIRE_PEERS === '1';

interface ChromeEvent {
  name: string;
  ph: string;
  tid: number;
  cat?: string;
  args?: Record<string, unknown>;
}

describe('scenario --trace', () => {
  it('writes Chrome trace JSON with a track per QP and per RPC: Sends, completions, unmaps, retransmissions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rdmalab-trace-'));
    const file = join(dir, 'seed.json');
    const io = captureIo();
    await main(['scenario', 'run', 'delayed-send-completion', '--trace', file], io, registry);
    const trace = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: ChromeEvent[] };
    const events = trace.traceEvents;
    const tracks = new Map(
      events
        .filter((e) => e.ph === 'M' && e.name === 'thread_name')
        .map((e) => [e.tid, String(e.args?.name)]),
    );
    const names = [...tracks.values()];
    expect(names.some((n) => /^client qp \d+$/.test(n))).toBe(true);
    expect(names.some((n) => /^server qp \d+$/.test(n))).toBe(true);
    expect(names.filter((n) => /^rpc 0x[0-9a-f]{8}$/.test(n)).length).toBeGreaterThan(3);
    // Each RPC is a span on its own track.
    const rpcTid = [...tracks].find(([, n]) => n.startsWith('rpc 0x1'))![0];
    expect(events.filter((e) => e.tid === rpcTid && e.name === 'RPC').map((e) => e.ph)).toEqual(['B', 'E']);
    const on = (track: RegExp, name: string) =>
      events.some((e) => e.name === name && e.ph !== 'M' && track.test(tracks.get(e.tid) ?? ''));
    expect(on(/^client qp /, 'post_send')).toBe(true);
    expect(on(/^client qp /, 'retransmit')).toBe(true);
    expect(on(/^client qp /, 'wc')).toBe(true);
    expect(on(/^client dma$/, 'unmap')).toBe(true);
    expect(on(/^rpc 0x/, 'reply')).toBe(true);
    expect(events.every((e) => e.ph === 'M' || typeof (e as { ts?: number }).ts === 'number')).toBe(true);
  });
});

describe.skipIf(!haveTshark && !need)('scenario --pcap decodes in tshark', () => {
  it('RoCEv2 → rpcordma → ONC RPC → NFSv3, with the exposed retransmission in the capture', async () => {
    if (!haveTshark) throw new Error('tshark is required (RDMALAB_REQUIRE_PEERS=1) but not installed');
    const dir = mkdtempSync(join(tmpdir(), 'rdmalab-pcap-'));
    const file = join(dir, 'seed.pcap');
    await main(['scenario', 'run', 'delayed-send-completion', '--pcap', file], captureIo(), registry);
    const tshark = (filter: string, fields: string[]): string[][] =>
      execFileSync(
        'tshark',
        ['-2', '-r', file, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])],
        {
          encoding: 'utf8',
        },
      )
        .trim()
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => l.split('\t'));
    const calls = tshark('rpc.msgtyp == 0', ['rpcordma.xid', 'rpc.xid', 'rpc.program', 'nfs.procedure_v3']);
    // MOUNT (100005) then NFS (100003): CREATE (8), WRITE (7), READ (6).
    expect(calls.some((c) => c[2] === '100005')).toBe(true);
    const nfsProcs = new Set(calls.filter((c) => c[2] === '100003').map((c) => c[3]));
    for (const proc of ['8', '7', '6']) expect(nfsProcs.has(proc)).toBe(true);
    // Each Call's rpcordma header carries the RPC's xid.
    for (const c of calls.filter((x) => x[0] !== '')) expect(c[0]).toBe(c[1]);
    // The READ data came back as RDMA Writes (a write chunk).
    expect(
      tshark('infiniband.bth.opcode == 10 || infiniband.bth.opcode == 6', ['frame.number']).length,
    ).toBeGreaterThan(0);
    // Bob's payroll bytes are in a frame on the wire (the retransmission).
    expect(tshark('frame contains "SSN 078-05-1120"', ['frame.number']).length).toBeGreaterThan(0);
  });
});
