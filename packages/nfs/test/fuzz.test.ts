import 'reflect-metadata';
import {
  AUTH_NONE,
  authSysCredential,
  decodeReplyHeader,
  encodeCallHeader,
  XdrBuf,
  XdrDecoder,
  XdrEncoder,
} from '@rdmalab/sunrpc';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nfs from '../src/codec/nfs3.js';
import { MOUNT_PROGRAM, NFS_PROGRAM, Nfs3Stat, StableHow } from '../src/constants.js';
import { NfsServer } from '../src/server/nfs-server.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { createOk, lookupOk, ROOT, rootOf } from './support/service.js';

const KEEP = new TextEncoder().encode('data that no fuzzed call may touch');

describe('random and mutated calls at the NFS server', () => {
  let server: NfsServer;
  let root: Uint8Array;
  let scratch: Uint8Array;
  let scratchFile: Uint8Array;
  const faults: unknown[] = [];

  beforeAll(async () => {
    server = new NfsServer({
      exports: [{ path: '/export', store: new MemoryStore({ capacityBytes: 64 << 20 }) }],
      onFault: (e) => faults.push(e),
    });
    const svc = server.service;
    root = await rootOf(svc);
    const keep = await createOk(svc, root, 'keep');
    await svc.write({ file: keep, offset: 0, count: KEEP.length, stable: StableHow.FILE_SYNC, data: KEEP });
    const mk = await svc.mkdir({ where: { dir: root, name: 'scratch' }, attributes: {} }, ROOT);
    if (mk.status !== 0 || mk.ok.object === undefined) throw new Error('mkdir');
    scratch = mk.ok.object;
    scratchFile = await createOk(svc, scratch, 'file');
  });

  /** A well-formed call to a random procedure with random arguments aimed at the scratch area. */
  const name = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom('.', '..', 'file', 'keep', '', '/', 'a/b', 'x'.repeat(300)),
  );
  const fh = () => fc.oneof(fc.constant(scratch), fc.constant(scratchFile), fc.uint8Array({ maxLength: 70 }));
  const sattr = fc.record(
    { mode: fc.nat(0o7777), size: fc.nat(1 << 20), mtime: fc.constant('server' as const) },
    { requiredKeys: [] },
  );
  const call = () =>
    fc.oneof(
      fc.record({ c: fc.constant(nfs.GETATTR3), a: fc.record({ object: fh() }) }),
      fc.record({ c: fc.constant(nfs.SETATTR3), a: fc.record({ object: fh(), attributes: sattr }) }),
      fc.record({ c: fc.constant(nfs.LOOKUP3), a: fc.record({ what: fc.record({ dir: fh(), name }) }) }),
      fc.record({ c: fc.constant(nfs.ACCESS3), a: fc.record({ object: fh(), access: fc.nat(0xffff) }) }),
      fc.record({
        c: fc.constant(nfs.READ3),
        a: fc.record({ file: fh(), offset: fc.nat(1 << 30), count: fc.nat(1 << 22) }),
      }),
      fc.record({
        c: fc.constant(nfs.WRITE3),
        a: fc
          .record({
            file: fh(),
            offset: fc.nat(1 << 20),
            stable: fc.constantFrom(0, 1, 2),
            data: fc.uint8Array({ maxLength: 600 }),
          })
          .map((w) => ({ ...w, count: w.data.length, stable: w.stable as StableHow })),
      }),
      fc.record({
        c: fc.constant(nfs.CREATE3),
        a: fc.record({
          where: fc.record({ dir: fh(), name }),
          how: fc.constant({ mode: 1 as const, attributes: {} }),
        }),
      }),
      fc.record({
        c: fc.constant(nfs.MKDIR3),
        a: fc.record({ where: fc.record({ dir: fh(), name }), attributes: sattr }),
      }),
      fc.record({ c: fc.constant(nfs.REMOVE3), a: fc.record({ object: fc.record({ dir: fh(), name }) }) }),
      fc.record({ c: fc.constant(nfs.RMDIR3), a: fc.record({ object: fc.record({ dir: fh(), name }) }) }),
      fc.record({
        c: fc.constant(nfs.RENAME3),
        a: fc.record({ from: fc.record({ dir: fh(), name }), to: fc.record({ dir: fh(), name }) }),
      }),
      fc.record({
        c: fc.constant(nfs.READDIR3),
        a: fc.record({
          dir: fh(),
          cookie: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          cookieverf: fc.uint8Array({ minLength: 8, maxLength: 8 }),
          count: fc.nat(70000),
        }),
      }),
      fc.record({
        c: fc.constant(nfs.READDIRPLUS3),
        a: fc.record({
          dir: fh(),
          cookie: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          cookieverf: fc.uint8Array({ minLength: 8, maxLength: 8 }),
          dircount: fc.nat(70000),
          maxcount: fc.nat(70000),
        }),
      }),
      fc.record({ c: fc.constant(nfs.FSSTAT3), a: fc.record({ fsroot: fh() }) }),
      fc.record({
        c: fc.constant(nfs.COMMIT3),
        a: fc.record({ file: fh(), offset: fc.nat(1 << 20), count: fc.nat(1 << 20) }),
      }),
    );

  function encodeCall(
    xid: number,
    proc: number,
    encodeArgs: (enc: XdrEncoder) => void,
    prog = NFS_PROGRAM,
  ): Uint8Array {
    const enc = new XdrEncoder();
    encodeCallHeader(enc, {
      xid,
      prog,
      vers: 3,
      proc,
      cred: authSysCredential({ stamp: 1, machineName: 'fuzz', uid: 0, gid: 0, gids: [] }),
      verf: AUTH_NONE,
    });
    encodeArgs(enc);
    return enc.finish().toBytes().slice();
  }

  async function dispatch(bytes: Uint8Array): Promise<void> {
    const outcome = await server.rpc.dispatcher.dispatch(XdrBuf.fromBytes(bytes), {
      remoteAddress: 'fuzz',
      connectionId: 1,
    });
    for (const fn of outcome.afterReply) fn();
    if (outcome.reply !== null) {
      // Every reply is a well-formed RPC reply.
      decodeReplyHeader(new XdrDecoder(outcome.reply.toBytes()));
    }
  }

  it('well-formed random calls get NFS statuses, never a crash or a server fault', async () => {
    await fc.assert(
      fc.asyncProperty(call(), fc.nat(), async ({ c, a }, xid) => {
        const codec = c as nfs.Nfs3ProcCodec<unknown, unknown>;
        const bytes = encodeCall(xid >>> 0, codec.proc, (enc) => codec.encodeArgs(enc, a));
        await dispatch(bytes);
      }),
      { numRuns: 400 },
    );
    expect(faults).toEqual([]);
  });

  it('mutated and truncated calls (and random bytes) answer GARBAGE_ARGS or an error, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(
        call(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.option(fc.nat()),
        fc.constantFrom(NFS_PROGRAM, MOUNT_PROGRAM),
        async ({ c, a }, flips, cut, prog) => {
          const codec = c as nfs.Nfs3ProcCodec<unknown, unknown>;
          const bytes = encodeCall(7, codec.proc, (enc) => codec.encodeArgs(enc, a), prog);
          // Leave the 40-byte RPC header mostly alone so the mutation reaches the NFS arguments.
          for (const [at, v] of flips)
            bytes[Math.min(bytes.length - 1, 24 + (at % Math.max(1, bytes.length - 24)))] = v;
          await dispatch(cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1)));
        },
      ),
      { numRuns: 400 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        await dispatch(bytes);
      }),
      { numRuns: 200 },
    );
    expect(faults).toEqual([]);
  });

  it('left the store intact: the file outside the scratch area is unchanged', async () => {
    const svc = server.service;
    const keep = await lookupOk(svc, root, 'keep');
    const res = await svc.read({ file: keep, offset: 0, count: 1000 });
    expect(res.status).toBe(0);
    if (res.status === 0) expect(res.ok.data).toEqual(KEEP);
    const list = await svc.readdir({ dir: root, cookie: 0n, cookieverf: new Uint8Array(8), count: 8192 });
    expect(list.status).toBe(0);
    if (list.status === 0)
      expect(list.ok.entries.map((e) => e.name).sort()).toEqual(['.', '..', 'keep', 'scratch']);
    const stale = await svc.getattr({ object: new Uint8Array(36) });
    expect(stale.status).toBe(Nfs3Stat.NFS3ERR_BADHANDLE);
  });
});
