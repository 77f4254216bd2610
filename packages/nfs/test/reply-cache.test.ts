import 'reflect-metadata';
import { connect, type Socket } from 'node:net';
import {
  AUTH_NONE,
  authSysCredential,
  decodeReplyHeader,
  encodeCallHeader,
  frameRecord,
  LAST_FRAGMENT,
  RECORD_MARK_SIZE,
  XdrDecoder,
  XdrEncoder,
} from '@rdmalab/sunrpc';
import { afterEach, describe, expect, it } from 'vitest';
import { CREATE3, REMOVE3 } from '../src/codec/nfs3.js';
import { CreateMode, NFS_PROGRAM, NFS_V3, Nfs3Proc, Nfs3Stat } from '../src/constants.js';
import { NfsServer, type NfsServerOptions } from '../src/server/nfs-server.js';
import { rootOf } from './support/service.js';

const ROOT_CRED = authSysCredential({ stamp: 1, machineName: 'client', uid: 0, gid: 0, gids: [] });

/** One record-marked RPC call, as a client puts it on the wire. */
function callRecord(xid: number, proc: number, writeArgs: (enc: XdrEncoder) => void): Uint8Array {
  const enc = new XdrEncoder();
  encodeCallHeader(enc, { xid, prog: NFS_PROGRAM, vers: NFS_V3, proc, cred: ROOT_CRED, verf: AUTH_NONE });
  writeArgs(enc);
  const parts = frameRecord([enc.finish().toBytes()]);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Send `record` on a fresh connection, read one single-fragment reply record, then close. */
async function exchange(port: number, record: Uint8Array): Promise<Uint8Array> {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  try {
    return await new Promise<Uint8Array>((resolve, reject) => {
      let got = Buffer.alloc(0);
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`connection closed after ${got.length} bytes`)));
      socket.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (got.length < RECORD_MARK_SIZE) return;
        const mark = got.readUInt32BE(0);
        if ((mark & LAST_FRAGMENT) === 0) reject(new Error('expected a single-fragment reply'));
        const length = mark & ~LAST_FRAGMENT;
        if (got.length >= RECORD_MARK_SIZE + length) {
          resolve(new Uint8Array(got.subarray(RECORD_MARK_SIZE, RECORD_MARK_SIZE + length)));
        }
      });
      socket.write(record);
    });
  } finally {
    socket.destroy();
  }
}

function createStatus(reply: Uint8Array): number {
  const dec = new XdrDecoder(reply);
  decodeReplyHeader(dec);
  return CREATE3.decodeRes(dec).status;
}

describe('NFSv3 duplicate request cache over TCP', () => {
  let server: NfsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(options: NfsServerOptions = {}) {
    server = new NfsServer(options);
    const { port } = await server.listen();
    const root = await rootOf(server.service);
    const create = (xid: number, name: string) =>
      callRecord(xid, Nfs3Proc.CREATE, (e) =>
        CREATE3.encodeArgs(e, {
          where: { dir: root, name },
          how: { mode: CreateMode.GUARDED, attributes: { mode: 0o644 } },
        }),
      );
    return { server, port, root, create };
  }

  it('a CREATE GUARDED retransmitted after a reconnect gets NFS3_OK from the cache, not NFS3ERR_EXIST', async () => {
    const s = await start();
    const record = s.create(0x5eed0001, 'once');
    const first = await exchange(s.port, record);
    expect(createStatus(first)).toBe(Nfs3Stat.NFS3_OK);
    // Same xid, same source IP, a new connection (new source port): the retransmission.
    const retransmitted = await exchange(s.port, record);
    expect(createStatus(retransmitted)).toBe(Nfs3Stat.NFS3_OK);
    expect(retransmitted).toEqual(first);
    expect(s.server.rpc.replyCache?.counters).toMatchObject({ hits: 1, misses: 1 });
    // A new request (new xid) for the same name really runs, and finds the file there.
    const fresh = await exchange(s.port, s.create(0x5eed0002, 'once'));
    expect(createStatus(fresh)).toBe(Nfs3Stat.NFS3ERR_EXIST);
  });

  it('a retransmitted REMOVE answers the original NFS3_OK instead of NFS3ERR_NOENT', async () => {
    const s = await start();
    expect(createStatus(await exchange(s.port, s.create(1, 'doomed')))).toBe(Nfs3Stat.NFS3_OK);
    const remove = callRecord(2, Nfs3Proc.REMOVE, (e) =>
      REMOVE3.encodeArgs(e, { object: { dir: s.root, name: 'doomed' } }),
    );
    const status = (reply: Uint8Array) => {
      const dec = new XdrDecoder(reply);
      decodeReplyHeader(dec);
      return REMOVE3.decodeRes(dec).status;
    };
    expect(status(await exchange(s.port, remove))).toBe(Nfs3Stat.NFS3_OK);
    expect(status(await exchange(s.port, remove))).toBe(Nfs3Stat.NFS3_OK);
  });

  it('without the cache the same retransmission runs again and answers NFS3ERR_EXIST', async () => {
    const s = await start({ replyCache: false });
    const record = s.create(0x5eed0003, 'twice');
    expect(createStatus(await exchange(s.port, record))).toBe(Nfs3Stat.NFS3_OK);
    expect(createStatus(await exchange(s.port, record))).toBe(Nfs3Stat.NFS3ERR_EXIST);
    expect(s.server.rpc.replyCache).toBeNull();
  });

  it('idempotent procedures (GETATTR) are not cached', async () => {
    const s = await start();
    const getattr = callRecord(3, Nfs3Proc.GETATTR, (e) => e.writeOpaque(s.root));
    await exchange(s.port, getattr);
    await exchange(s.port, getattr);
    expect(s.server.rpc.replyCache?.counters).toMatchObject({ hits: 0, misses: 0, entries: 0 });
  });
});
