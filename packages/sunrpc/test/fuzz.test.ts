import 'reflect-metadata';
import * as net from 'node:net';
import { PAGE_SIZE, PhysicalMemory, RealScheduler } from '@rdmalab/kernel';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUTH_NONE,
  AuthFlavor,
  authSysCredential,
  decodeAuthSysParams,
  decodeList,
  decodeMessageHeader,
  decodeReplyHeader,
  decodeRpcb,
  encodeCallHeader,
  frameRecord,
  RecordReader,
  RpcClient,
  RpcDispatcher,
  RpcServer,
  RpcStats,
  recordMark,
  TcpTransportClass,
  TransportError,
  XdrBuf,
  XdrDecoder,
  XdrEncoder,
  XdrError,
} from '../src/index.js';

/** Decoders a hostile peer's bytes reach: RPC headers, AUTH_SYS, an NFS-like fattr, lists, unions. */
function decodeEverything(dec: XdrDecoder): void {
  const kind = dec.readUnion<unknown>('kind', {
    0: (d) => decodeMessageHeader(d),
    1: (d) => decodeAuthSysParams(d),
    2: (d) => decodeList(d, 'rpcblist', decodeRpcb),
    3: (d) => ({
      type: d.readEnum('ftype3', new Set([1, 2, 3, 4, 5, 6, 7])),
      mode: d.readUint('mode'),
      size: d.readUhyperNumber('size'),
      fileid: d.readUhyper('fileid'),
      name: d.readString('name', 255),
      eof: d.readBool('eof'),
      data: d.readOpaque('data', 1 << 20),
      tags: d.readArray('tags', 8, (x) => x.readHyperNumber('tag')),
      opt: d.readOptional('opt', (x) => x.readFixedOpaque('verf', 8)),
      f: d.readFloat('f'),
    }),
  });
  expect(kind).toBeDefined();
}

function validSamples(): Uint8Array[] {
  const call = new XdrEncoder();
  call.writeInt(0);
  encodeCallHeader(call, {
    xid: 1,
    prog: 100003,
    vers: 3,
    proc: 6,
    cred: authSysCredential({ stamp: 1, machineName: 'fuzz', uid: 1, gid: 2, gids: [3, 4] }),
    verf: AUTH_NONE,
  });
  const attr = new XdrEncoder();
  attr.writeInt(3);
  attr.writeEnum(1);
  attr.writeUint(0o644);
  attr.writeUhyper(123456);
  attr.writeUhyper(99n);
  attr.writeString('file.txt');
  attr.writeBool(true);
  attr.writeOpaque(new Uint8Array(13).fill(7));
  attr.writeArray([1, 2], 8, (e, v) => e.writeHyper(v));
  attr.writeOptional(new Uint8Array(8), (e, v) => e.writeFixedOpaque(v, 8));
  attr.writeFloat(1.5);
  return [call.finish().toBytes(), attr.finish().toBytes()];
}

/** Flip, insert, delete and overwrite bytes of a valid message. */
const mutated = fc
  .tuple(
    fc.constantFrom(...validSamples()),
    fc.array(
      fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'set', 'cut', 'grow')),
    ),
  )
  .map(([base, edits]) => {
    let bytes = Uint8Array.from(base);
    for (const [pos, value, op] of edits) {
      const i = bytes.length === 0 ? 0 : pos % bytes.length;
      if (op === 'flip' && bytes.length > 0) bytes[i] = bytes[i]! ^ (1 << (value & 7));
      else if (op === 'set' && bytes.length > 0) bytes[i] = value;
      else if (op === 'cut') bytes = bytes.subarray(0, i);
      else bytes = Uint8Array.from([...bytes.subarray(0, i), value, ...bytes.subarray(i)]);
    }
    return bytes;
  });

const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated);

describe('fuzz: decoders meet only typed errors', () => {
  it('XDR decoders on random and mutated bytes, flat and split across pages', () => {
    const memory = new PhysicalMemory({ totalPages: 4 });
    const pages = memory.allocPages(2, 'fuzz');
    fc.assert(
      fc.property(anyBytes, fc.nat(), (bytes, cut) => {
        const views: XdrBuf[] = [XdrBuf.fromBytes(bytes)];
        if (bytes.length > 2) {
          // head | pages | tail split of the same stream, pages starting unaligned near a page end.
          const a = cut % bytes.length;
          const b = a + ((cut >> 8) % (bytes.length - a));
          const base = PAGE_SIZE - 3;
          for (let i = 0; i < b - a; i++) {
            const at = base + i;
            pages[Math.floor(at / PAGE_SIZE)]!.bytes[at % PAGE_SIZE] = bytes[a + i]!;
          }
          views.push(
            new XdrBuf({
              head: bytes.subarray(0, a),
              pages,
              pageBase: base,
              pageLen: b - a,
              tail: bytes.subarray(b),
            }),
          );
        }
        for (const buf of views) {
          try {
            decodeEverything(new XdrDecoder(buf));
          } catch (err) {
            expect(err).toBeInstanceOf(XdrError);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('the record-marking reader on random chunkings of random streams', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constant(recordMark(8, true))), {
          maxLength: 20,
        }),
        (chunks) => {
          let delivered = 0;
          const reader = new RecordReader({
            maxRecordSize: 64,
            onRecord: (r) => {
              expect(r.length).toBeLessThanOrEqual(64);
              delivered++;
            },
          });
          try {
            for (const c of chunks) reader.push(c);
          } catch (err) {
            expect(err).toBeInstanceOf(TransportError);
            expect((err as TransportError).code).toBe('EMSGSIZE');
          }
          expect(delivered).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the dispatcher answers or drops every message and never throws', async () => {
    const d = new RpcDispatcher(new RpcStats());
    d.register({
      program: 100003,
      version: 3,
      procedures: {
        6: {
          name: 'READ',
          handler: (call, res) => {
            const fh = call.args.readOpaque('fh', 64);
            res.writeOpaque(fh);
            res.writeUhyper(call.args.readUhyper('offset'));
          },
        },
      },
    });
    const calls = fc.oneof(
      anyBytes,
      mutated.map((b) => b.subarray(4)), // the call sample without its union tag
    );
    await fc.assert(
      fc.asyncProperty(calls, async (bytes) => {
        const out = await d.dispatch(XdrBuf.fromBytes(bytes), { remoteAddress: 'fuzz', connectionId: 1 });
        if (out.reply !== null) {
          const header = decodeReplyHeader(new XdrDecoder(out.reply));
          expect(header.xid).toBe(out.xid);
        }
      }),
      { numRuns: 3000 },
    );
    expect(d.counters.calls + d.counters.dropped).toBeGreaterThan(0);
  });
});

describe('a TCP server under attack keeps serving other clients', () => {
  const scheduler = new RealScheduler();
  const tcp = new TcpTransportClass({ maxRecordSize: 4096 });
  const errors: TransportError[] = [];
  const server = new RpcServer({ onConnectionError: (e) => errors.push(e) });
  server.addProgram({ program: 0x2000_0202, version: 1, procedures: {} });
  let port = 0;

  beforeAll(async () => {
    ({ port } = await server.listen(tcp.createServer({ host: '127.0.0.1', port: 0, scheduler })));
  });
  afterAll(async () => {
    await server.close();
    scheduler.close();
  });

  function raw(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
      s.once('error', reject);
    });
  }

  function closed(s: net.Socket): Promise<void> {
    return new Promise((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));
  }

  it('an oversized record closes only that connection, with EMSGSIZE; a garbage record is dropped', async () => {
    const good = new RpcClient({
      transport: tcp.createClient({ host: '127.0.0.1', port, scheduler }),
      scheduler,
      program: 0x2000_0202,
      version: 1,
      timeout: { initialNs: 2e9 },
    });
    await good.ping();

    const garbage = await raw();
    const garbageReplies: Buffer[] = [];
    garbage.on('data', (d: Buffer) => garbageReplies.push(d));
    garbage.on('error', () => undefined);
    for (const p of frameRecord([new Uint8Array([0xde, 0xad, 0xbe, 0xef, 1, 2, 3])])) garbage.write(p);
    // A call whose AUTH_SYS body lies about its machine name length: answered AUTH_ERROR.
    const lying = new XdrEncoder();
    encodeCallHeader(lying, {
      xid: 0x77,
      prog: 0x2000_0202,
      vers: 1,
      proc: 0,
      cred: { flavor: AuthFlavor.AUTH_SYS, body: new Uint8Array([0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]) },
      verf: AUTH_NONE,
    });
    for (const p of frameRecord(lying.finish().segments())) garbage.write(p);

    const hog = await raw();
    hog.on('error', () => undefined);
    hog.write(recordMark(1 << 20, true));
    hog.write(new Uint8Array(100));
    await closed(hog);

    await good.ping();
    await new Promise((r) => setTimeout(r, 50));
    expect(garbage.destroyed).toBe(false);
    const replyBytes = Buffer.concat(garbageReplies);
    expect(replyBytes.length).toBeGreaterThan(0);
    const header = decodeReplyHeader(new XdrDecoder(replyBytes.subarray(4)));
    expect(header).toMatchObject({ xid: 0x77, rejectStat: 1 });
    expect(errors.map((e) => e.code)).toEqual(['EMSGSIZE']);
    expect(errors[0]!.message).toContain('record_mark at byte 0');
    expect(server.dispatcher.counters.dropped).toBe(1);
    garbage.destroy();
    await good.shutdown();
  });
});
