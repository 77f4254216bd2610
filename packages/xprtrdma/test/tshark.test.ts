import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../src/index.js';
import { pagesWith, pattern, writeArgs } from './support/procedures.js';
import { buildStack, runCalls, type Stack } from './support/stack.js';

const NFS_PROGRAM = 100003;
const NFSPROC3_WRITE = 7;

function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const haveTshark = hasCommand('tshark');
const need = process.env.RDMALAB_REQUIRE_PEERS === '1';

describe.skipIf(!haveTshark && !need)(
  'tshark decodes an RPC-over-RDMA exchange over the simulated HCA',
  () => {
    it('RoCEv2 → rpcordma → ONC RPC, with the CM handshake, Calls matched with Replies', async () => {
      if (!haveTshark) throw new Error('tshark is required (RDMALAB_REQUIRE_PEERS=1) but not installed');
      let stack: Stack | undefined;
      // NFS version 3 (RFC 1813), which tshark's RPC dissector knows: NULL, and a WRITE whose data
      // goes as a read chunk.
      stack = await buildStack({
        spec: PRESETS['linux-7.2'],
        program: { program: NFS_PROGRAM, version: 3 },
        procedures: {
          [NFSPROC3_WRITE]: {
            name: 'WRITE',
            handler: (call, results) => {
              call.args.readOpaque('file', 64);
              call.args.readUhyper('offset');
              const count = call.args.readUint('count');
              call.args.readUint('stable');
              call.args.readOpaque('data');
              results.writeUint(0); // NFS3_OK
              results.writeBool(false); // wcc_data.before
              results.writeBool(false); // wcc_data.after
              results.writeUint(count);
              results.writeUint(2); // FILE_SYNC
              results.writeFixedOpaque(new Uint8Array(8), 8);
            },
          },
        },
      });
      const data = pattern(8192, 2);
      const pages = pagesWith(stack.clientHost.memory, data, 'file');
      const results = await runCalls<unknown>(stack, [
        stack.client.ping(),
        stack.client.call({
          proc: NFSPROC3_WRITE,
          encodeArgs: (enc) => {
            enc.writeOpaque(new Uint8Array(32).fill(1));
            enc.writeUhyper(0);
            enc.writeUint(data.length);
            enc.writeUint(2);
            writeArgs(pages, data.length)(enc);
          },
          replyMaxBytes: 256,
          decodeResult: (dec) => dec.readUint('status'),
        }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      const dir = mkdtempSync(join(tmpdir(), 'xprtrdma-pcap-'));
      const file = join(dir, 'rpc.pcap');
      try {
        writeFileSync(file, stack.fabric.pcap());
        const tshark = (filter: string, fields: string[]): string[][] =>
          execFileSync(
            'tshark',
            ['-2', '-r', file, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])],
            { encoding: 'utf8' },
          )
            .trim()
            .split('\n')
            .filter((l) => l.length > 0)
            .map((l) => l.split('\t'));
        // The CM handshake that lets the dissector learn both QPNs.
        const cm = tshark(
          'infiniband.mad.attributeid == 0x0010 || infiniband.mad.attributeid == 0x0013 || infiniband.mad.attributeid == 0x0014',
          ['infiniband.mad.attributeid'],
        );
        expect(cm.length).toBeGreaterThanOrEqual(3);
        // Two-pass: the Call/Reply links. (tshark 4.0 puts a Call's "Reply In" in rpc.reqframe and a
        // Reply's "Call In" in rpc.repframe.)
        const rows = tshark('rpc', [
          'frame.number',
          'rpcordma.xid',
          'rpc.xid',
          'rpc.msgtyp',
          'rpc.program',
          'rpc.repframe',
          'rpc.reqframe',
          'nfs.procedure_v3',
        ]);
        const calls = rows.filter((r) => r[3] === '0');
        const replies = rows.filter((r) => r[3] === '1');
        expect(calls.map((r) => [r[2], r[7]])).toEqual([
          ['0x00001000', '0'],
          ['0x00001001', '7'],
        ]);
        expect(replies.map((r) => r[2])).toEqual(['0x00001000', '0x00001001']);
        for (const c of calls) {
          expect(c[4]).toBe(String(NFS_PROGRAM));
          const reply = replies.find((r) => r[2] === c[2])!;
          expect(c[6]).toBe(reply[0]);
          expect(reply[5]).toBe(c[0]);
        }
        // The inline Call carries its rpcordma header in the same frame; the WRITE's was reassembled.
        expect(calls[0]![1]).toBe('0x00001000');
        // The WRITE went as a read chunk (RDMA_MSG with one read segment) the server RDMA-Read.
        expect(tshark('infiniband.bth.opcode == 0x0c', ['frame.number']).length).toBeGreaterThan(0);
      } finally {
        if (process.env.KEEP_PCAP === undefined) rmSync(dir, { recursive: true, force: true });
        else console.log(file);
      }
    });
  },
);
