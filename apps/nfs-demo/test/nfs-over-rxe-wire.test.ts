import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCommand, requirePeers } from './peers.js';
import {
  ensureCliBuilt,
  killAllServes,
  patternBytes,
  runCli,
  type ServeProcess,
  startServe,
} from './rxe-cli.js';

// Addresses of this file only; the capture filter keeps other files' traffic out.
const SERVER_IP = '127.0.10.2';
const CLIENT_IP = '127.0.10.1';
const NFS_PROGRAM = '100003';
/** NFSv3 procedure numbers (RFC 1813 §3.3). */
const PROC = { GETATTR: '1', LOOKUP: '3', READ: '6', WRITE: '7', CREATE: '8', FSINFO: '19', COMMIT: '21' };
const haveTshark = hasCommand('tshark');
const isRoot = process.getuid?.() === 0;

interface RpcFrame {
  frame: number;
  rpcordmaXid: string;
  xid: string;
  /** 0 Call, 1 Reply. */
  msgtyp: string;
  program: string;
  /** A Reply's Call frame ("Call In"). */
  repframe: string;
  /** A Call's Reply frame ("Reply In"). */
  reqframe: string;
  proc: string;
}

describe.skipIf(!(haveTshark && isRoot) && !requirePeers)(
  'wire proof: tshark decodes `rdmalab nfs` over rxe as RoCEv2 → RPC-over-RDMA → RPC → NFSv3',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'rdmalab-rxe-wire-'));
    const pcap = join(dir, 'nfs-over-rxe.pcap');
    let tshark: ChildProcess | undefined;
    let serve: ServeProcess | undefined;
    let rpc: RpcFrame[] = [];
    const decode = (filter: string, fields: string[]): string[][] =>
      execFileSync(
        'tshark',
        ['-2', '-r', pcap, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])],
        { encoding: 'utf8', maxBuffer: 64 << 20 },
      )
        .trim()
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => l.split('\t'));

    beforeAll(async () => {
      if (!haveTshark) throw new Error('tshark is required (RDMALAB_REQUIRE_PEERS=1) but not installed');
      if (!isRoot) throw new Error('capturing on lo needs root (RDMALAB_REQUIRE_PEERS=1)');
      ensureCliBuilt();
      serve = await startServe([
        '--transport',
        'rdma',
        '--backend',
        'rxe',
        '--listen',
        SERVER_IP,
        '--no-rpcbind',
      ]);
      tshark = spawn(
        'tshark',
        ['-i', 'lo', '-f', 'udp port 4791 and net 127.0.10.0/24', '-F', 'pcap', '-w', pcap],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      tshark.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
      const deadline = Date.now() + 20_000;
      while (!stderr.includes('Capture started')) {
        if (Date.now() > deadline || tshark.exitCode !== null)
          throw new Error(`tshark did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }

      const nfs = (...args: string[]) =>
        runCli([
          'nfs',
          '--transport',
          'rdma',
          '--server',
          SERVER_IP,
          '--source',
          CLIENT_IP,
          '--mount-port',
          String(serve!.mountPort),
          ...args,
        ]);
      // 300 KiB: a WRITE (read chunk) and a READ (write chunk) each, plus the small calls around them.
      const data = patternBytes(300 * 1024, 3);
      writeFileSync(join(dir, 'f.bin'), data);
      expect((await nfs('put', join(dir, 'f.bin'), '/f.bin')).code).toBe(0);
      expect((await nfs('get', '/f.bin', join(dir, 'g.bin'))).code).toBe(0);
      expect(Buffer.compare(readFileSync(join(dir, 'g.bin')), data)).toBe(0);
      expect((await nfs('stat', '/f.bin')).code).toBe(0);

      await new Promise((r) => setTimeout(r, 500)); // let tshark write out the last frames
      const exited = new Promise((r) => tshark!.once('exit', r));
      tshark.kill('SIGINT');
      await exited;
      rpc = decode('rpc', [
        'frame.number',
        'rpcordma.xid',
        'rpc.xid',
        'rpc.msgtyp',
        'rpc.program',
        'rpc.repframe',
        'rpc.reqframe',
        'nfs.procedure_v3',
      ]).map((v) => ({
        frame: Number(v[0]),
        rpcordmaXid: v[1] ?? '',
        xid: v[2] ?? '',
        msgtyp: v[3] ?? '',
        program: v[4] ?? '',
        repframe: v[5] ?? '',
        reqframe: v[6] ?? '',
        proc: v[7] ?? '',
      }));
    }, 120_000);

    afterAll(async () => {
      if (tshark !== undefined && tshark.exitCode === null) tshark.kill('SIGKILL');
      await serve?.stop();
      await killAllServes();
      if (process.env.KEEP_PCAP === undefined) rmSync(dir, { recursive: true, force: true });
      else console.log(pcap);
    }, 30_000);

    it('the connections are set up by IB CM REQ/REP/RTU MADs (which tell the dissector the QPs)', () => {
      const cm = decode(
        'infiniband.mad.attributeid == 0x0010 || infiniband.mad.attributeid == 0x0013 || infiniband.mad.attributeid == 0x0014',
        ['infiniband.mad.attributeid', 'ip.src'],
      );
      // One connection per `nfs` command (3), each REQ from the client, REP from the server, RTU.
      const seq = cm.map(([attr, src]) => `${src === CLIENT_IP ? 'c' : 's'}:${Number(attr).toString(16)}`);
      expect(seq.filter((s) => s === 'c:10')).toHaveLength(3);
      expect(seq.filter((s) => s === 's:13')).toHaveLength(3);
      expect(seq.filter((s) => s === 'c:14')).toHaveLength(3);
    });

    it('every RPC is NFS, carried in an rpcordma header with the same xid, Calls matched to Replies', () => {
      const calls = rpc.filter((r) => r.msgtyp === '0');
      const replies = rpc.filter((r) => r.msgtyp === '1');
      expect(calls.length).toBeGreaterThanOrEqual(15);
      expect(replies.length).toBe(calls.length);
      for (const c of calls) {
        expect(c.program).toBe(NFS_PROGRAM);
        const reply = replies.find((r) => r.xid === c.xid);
        expect(reply, `no Reply for Call ${c.xid} in frame ${c.frame}`).toBeDefined();
        expect(c.reqframe).toBe(String(reply!.frame)); // the Call's "Reply In"
        expect(reply!.repframe).toBe(String(c.frame)); // the Reply's "Call In"
        expect(reply!.proc).toBe(c.proc);
      }
      // Inline messages carry the rpcordma header in the same frame, with the RPC's xid.
      for (const r of rpc.filter((x) => x.rpcordmaXid !== '')) expect(r.rpcordmaXid).toBe(r.xid);
    });

    it('the NFS procedures of mount, put, get and stat: FSINFO, LOOKUP, GETATTR, CREATE, WRITE, COMMIT, READ', () => {
      const procs = new Set(rpc.filter((r) => r.msgtyp === '0').map((r) => r.proc));
      for (const p of Object.values(PROC)) expect(procs, `procedure ${p}`).toContain(p);
    });

    it('WRITE data went by RDMA Read (read chunk) and READ data by RDMA Write (write chunk)', () => {
      // BTH opcodes (IBA Table 38): RDMA READ Request 0x0c, RDMA WRITE First/Middle/Last/Only 0x06–0x0a.
      const reads = decode('infiniband.bth.opcode == 0x0c', ['ip.src']);
      expect(reads.length).toBeGreaterThan(0);
      expect(reads.every(([src]) => src === SERVER_IP)).toBe(true); // the server pulls the WRITE payload
      const writes = decode('infiniband.bth.opcode >= 0x06 && infiniband.bth.opcode <= 0x0a', ['ip.src']);
      expect(writes.length).toBeGreaterThanOrEqual(75); // 300 KiB in 4 KiB packets
      expect(writes.every(([src]) => src === SERVER_IP)).toBe(true); // the server pushes the READ payload
    });
  },
);
