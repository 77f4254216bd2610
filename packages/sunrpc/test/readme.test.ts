import 'reflect-metadata';
import { PhysicalMemory, RealScheduler } from '@rdmalab/kernel';
import { describe, expect, it } from 'vitest';
import {
  AuthSys,
  RpcClient,
  RpcServer,
  TcpTransportClass,
  XDRBUF_READ,
  XdrDecoder,
  XdrEncoder,
  XdrError,
} from '../src/index.js';

/** The README's examples, kept runnable. */
describe('README examples', () => {
  it('XDR with a page list', () => {
    const memory = new PhysicalMemory({ totalPages: 16 });
    const file = memory.allocPages(2, 'file data');
    file[1]!.bytes[6000 - 4096 - 1] = 0x5a;
    const enc = new XdrEncoder();
    enc.writeUint(6000);
    enc.writeBool(true);
    enc.writeOpaquePages(file, 0, 6000, XDRBUF_READ);
    const buf = enc.finish();
    expect([buf.head.length, buf.pageLen, buf.tail.length]).toEqual([12, 6000, 0]);
    const dec = new XdrDecoder(buf);
    expect(dec.readUint('READ3resok.count')).toBe(6000);
    expect(dec.readBool('READ3resok.eof')).toBe(true);
    const cache = memory.allocPages(2, 'page cache');
    dec.readOpaqueInto('READ3resok.data', { pages: cache, base: 0, length: 8192 });
    expect(cache[1]!.bytes[6000 - 4096 - 1]).toBe(0x5a);
    let caught: XdrError | undefined;
    try {
      new XdrDecoder(new Uint8Array([0, 0, 1, 0, 0x61])).readString('dirpath', 255);
    } catch (err) {
      if (err instanceof XdrError) caught = err;
    }
    expect([caught?.code, caught?.field, caught?.offset]).toEqual(['E2BIG', 'dirpath', 0]);
  });

  it('an RPC server and client over TCP', async () => {
    const PROG = 0x20000001;
    const scheduler = new RealScheduler();
    const tcp = new TcpTransportClass();
    const server = new RpcServer();
    server.addProgram({
      program: PROG,
      version: 1,
      name: 'calc',
      procedures: {
        1: {
          name: 'ADD',
          handler: (call, results) => {
            const a = call.args.readInt('add.a');
            const b = call.args.readInt('add.b');
            results.writeInt(a + b);
          },
        },
      },
    });
    const { port } = await server.listen(tcp.createServer({ host: '127.0.0.1', port: 0, scheduler }));
    const client = new RpcClient({
      transport: tcp.createClient({ host: '127.0.0.1', port, scheduler }),
      scheduler,
      program: PROG,
      version: 1,
      programName: 'calc',
      procedureNames: { 1: 'ADD' },
      auth: new AuthSys({ uid: 1000, gid: 1000, machineName: 'client' }),
      timeout: { initialNs: 2e9, retries: 3 },
    });
    await client.ping();
    const sum = await client.call({
      proc: 1,
      encodeArgs: (e) => {
        e.writeInt(40);
        e.writeInt(2);
      },
      decodeResult: (d) => d.readInt('add.sum'),
    });
    expect(sum).toBe(42);
    expect(client.stats.format()).toContain('p/v: 536870913/1 (calc)');
    expect(client.stats.format()).toMatch(/^\s+ADD: 1 1 0 /m);
    await client.shutdown();
    await server.close();
    scheduler.close();
  });
});
