import 'reflect-metadata';
import { Reader } from '@jsonjoy.com/buffers/lib/Reader.js';
import { Writer } from '@jsonjoy.com/buffers/lib/Writer.js';
import {
  RpcAcceptedReplyMessage,
  RpcCallMessage,
  RpcMessageDecoder,
  RpcMessageEncoder,
  RpcOpaqueAuth,
  RpcRejectedReplyMessage,
} from '@jsonjoy.com/json-pack/lib/rpc/index.js';
import { XdrDecoder as JpDecoder, XdrEncoder as JpEncoder } from '@jsonjoy.com/json-pack/lib/xdr/index.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AcceptStat,
  AUTH_NONE,
  AuthFlavor,
  AuthStat,
  authSysCredential,
  decodeMessageHeader,
  encodeAcceptedReplyHeader,
  encodeCallHeader,
  encodeDeniedReply,
  MsgType,
  parseAuthSysBody,
  RejectStat,
  XdrDecoder,
  XdrEncoder,
} from '../src/index.js';

/** @jsonjoy.com/json-pack, an independent XDR / ONC RPC implementation, as the oracle. */
function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function jpEncode(fn: (e: JpEncoder) => void): Uint8Array {
  const enc = new JpEncoder(new Writer(64));
  fn(enc);
  return enc.writer.flush();
}

function ours(fn: (e: XdrEncoder) => void): Uint8Array {
  const enc = new XdrEncoder({ initialSize: 8 });
  fn(enc);
  return enc.finish().toBytes();
}

describe('XDR primitives match json-pack byte for byte', () => {
  it('int, unsigned int, hyper, unsigned hyper, bool, double', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.boolean(),
        fc.double({ noNaN: true }),
        (i, u, h, uh, b, d) => {
          const a = ours((e) => {
            e.writeInt(i);
            e.writeUint(u);
            e.writeHyper(h);
            e.writeUhyper(uh);
            e.writeBool(b);
            e.writeDouble(d);
          });
          const j = jpEncode((e) => {
            e.writeInt(i);
            e.writeUnsignedInt(u);
            e.writeHyper(h);
            e.writeUnsignedHyper(uh);
            e.writeBoolean(b);
            e.writeDouble(d);
          });
          expect(hex(a)).toBe(hex(j));
          const dec = new JpDecoder();
          dec.reader.reset(a);
          expect(dec.readInt()).toBe(i);
          expect(dec.readUnsignedInt()).toBe(u);
          expect(dec.readHyper()).toBe(h);
          expect(dec.readUnsignedHyper()).toBe(uh);
          expect(dec.readBoolean()).toBe(b);
          expect(dec.readDouble()).toBe(d);
        },
      ),
    );
  });

  it('strings (UTF-8) and variable-length opaque, with padding', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 80 }),
        fc.uint8Array({ maxLength: 70 }),
        (s, bytes) => {
          const a = ours((e) => {
            e.writeString(s);
            e.writeOpaque(bytes);
          });
          const j = jpEncode((e) => {
            e.writeStr(s);
            e.writeVarlenOpaque(bytes);
          });
          expect(hex(a)).toBe(hex(j));
          const back = new XdrDecoder(j);
          expect(back.readString('s')).toBe(s);
          expect(hex(back.readOpaque('o'))).toBe(hex(bytes));
        },
      ),
    );
  });
});

const authSys = authSysCredential({
  stamp: 0x5f00,
  machineName: 'host-a',
  uid: 1000,
  gid: 100,
  gids: [4, 27],
});

describe('ONC RPC messages match json-pack', () => {
  it('a call we encode decodes in json-pack with the same fields, cred and args', () => {
    const enc = new XdrEncoder();
    encodeCallHeader(enc, {
      xid: 0xcafe0001,
      prog: 100003,
      vers: 3,
      proc: 1,
      cred: authSys,
      verf: AUTH_NONE,
    });
    enc.writeOpaque(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 64); // an nfs_fh3
    const bytes = enc.finish().toBytes();
    const msg = new RpcMessageDecoder().decodeMessage(new Reader(bytes));
    expect(msg).toBeInstanceOf(RpcCallMessage);
    const call = msg as RpcCallMessage;
    expect([call.xid, call.rpcvers, call.prog, call.vers, call.proc]).toEqual([0xcafe0001, 2, 100003, 3, 1]);
    expect(call.cred.flavor).toBe(AuthFlavor.AUTH_SYS);
    expect(hex(call.cred.body.subarray())).toBe(hex(authSys.body));
    expect(call.verf.flavor).toBe(AuthFlavor.AUTH_NONE);
    expect(hex(call.params!.subarray())).toBe('00000008' + '0102030405060708');
  });

  it('a call json-pack encodes decodes here, AUTH_SYS body included', () => {
    const jp = new RpcMessageEncoder();
    const bytes = jp.encodeCall(
      77,
      100005,
      3,
      1,
      new RpcOpaqueAuth(AuthFlavor.AUTH_SYS, new Reader(authSys.body)),
      new RpcOpaqueAuth(AuthFlavor.AUTH_NONE, new Reader(new Uint8Array(0))),
      new Uint8Array([0, 0, 0, 4, 0x2f, 0x65, 0x78, 0x70]),
    );
    const dec = new XdrDecoder(bytes);
    const header = decodeMessageHeader(dec);
    expect(header).toMatchObject({ type: MsgType.CALL, xid: 77, rpcvers: 2, prog: 100005, vers: 3, proc: 1 });
    if (header.type !== MsgType.CALL) throw new Error('not a call');
    expect(parseAuthSysBody(header.cred.body)).toEqual({
      stamp: 0x5f00,
      machineName: 'host-a',
      uid: 1000,
      gid: 100,
      gids: [4, 27],
    });
    expect(dec.readString('dirpath', 1024)).toBe('/exp');
  });

  it('accepted and denied replies are byte-identical to json-pack encodings', () => {
    const jp = new RpcMessageEncoder();
    const none = new RpcOpaqueAuth(AuthFlavor.AUTH_NONE, new Reader(new Uint8Array(0)));
    const cases: [Uint8Array, (e: XdrEncoder) => void][] = [
      [
        jp.encodeAcceptedReply(1, none, AcceptStat.SUCCESS, undefined, new Uint8Array([0, 0, 0, 0])),
        (e) => {
          encodeAcceptedReplyHeader(e, 1, AUTH_NONE, AcceptStat.SUCCESS);
          e.writeUint(0);
        },
      ],
      [
        jp.encodeAcceptedReply(2, none, AcceptStat.PROG_MISMATCH, { low: 2, high: 4 }),
        (e) => encodeAcceptedReplyHeader(e, 2, AUTH_NONE, AcceptStat.PROG_MISMATCH, { low: 2, high: 4 }),
      ],
      [
        jp.encodeAcceptedReply(3, none, AcceptStat.GARBAGE_ARGS),
        (e) => encodeAcceptedReplyHeader(e, 3, AUTH_NONE, AcceptStat.GARBAGE_ARGS),
      ],
      [
        jp.encodeRejectedReply(4, RejectStat.RPC_MISMATCH, { low: 2, high: 2 }),
        (e) => encodeDeniedReply(e, 4, RejectStat.RPC_MISMATCH, { mismatch: { low: 2, high: 2 } }),
      ],
      [
        jp.encodeRejectedReply(5, RejectStat.AUTH_ERROR, undefined, AuthStat.AUTH_TOOWEAK),
        (e) => encodeDeniedReply(e, 5, RejectStat.AUTH_ERROR, { authStat: AuthStat.AUTH_TOOWEAK }),
      ],
    ];
    for (const [expected, write] of cases) expect(hex(ours(write))).toBe(hex(expected));
  });

  it('json-pack decodes our replies with the same status', () => {
    const enc = new XdrEncoder();
    encodeDeniedReply(enc, 9, RejectStat.AUTH_ERROR, { authStat: AuthStat.AUTH_BADCRED });
    const denied = new RpcMessageDecoder().decodeMessage(new Reader(enc.finish().toBytes()));
    expect(denied).toBeInstanceOf(RpcRejectedReplyMessage);
    expect(denied).toMatchObject({ xid: 9, stat: RejectStat.AUTH_ERROR, authStat: AuthStat.AUTH_BADCRED });
    const ok = new XdrEncoder();
    encodeAcceptedReplyHeader(ok, 10, AUTH_NONE, AcceptStat.PROG_MISMATCH, { low: 1, high: 3 });
    const accepted = new RpcMessageDecoder().decodeMessage(new Reader(ok.finish().toBytes()));
    expect(accepted).toBeInstanceOf(RpcAcceptedReplyMessage);
    expect(accepted).toMatchObject({
      xid: 10,
      stat: AcceptStat.PROG_MISMATCH,
      mismatchInfo: { low: 1, high: 3 },
    });
  });
});
