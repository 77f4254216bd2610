import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import {
  AcceptStat,
  AUTH_NONE,
  AuthFlavor,
  AuthStat,
  authSysCredential,
  type CallHeaderFields,
  decodeReplyHeader,
  encodeCallHeader,
  MsgType,
  RejectStat,
  ReplyStat,
  RpcDispatcher,
  RpcError,
  RpcStats,
  XdrBuf,
  XdrDecoder,
  XdrEncoder,
} from '../src/index.js';

const origin = { remoteAddress: 'test', connectionId: 1 };

function makeDispatcher() {
  const errors: unknown[] = [];
  const d = new RpcDispatcher(new RpcStats(), { onHandlerError: (e) => errors.push(e) });
  d.register({
    program: 300000,
    version: 2,
    procedures: {
      1: { name: 'DOUBLE', handler: (call, res) => res.writeUint(call.args.readUint('x') * 2) },
      2: {
        name: 'SECRET',
        handler: (call, res) => {
          if (call.credential.flavor !== AuthFlavor.AUTH_SYS || call.credential.sys.uid !== 0) {
            throw new RpcError('EPROTO', 'not root'); // an ordinary failure → SYSTEM_ERR
          }
          res.writeUint(1);
        },
      },
    },
  });
  d.register({ program: 300000, version: 4, procedures: {} });
  return { d, errors };
}

function call(
  fields: Partial<CallHeaderFields> & { rpcvers?: number },
  args?: (e: XdrEncoder) => void,
): XdrBuf {
  const enc = new XdrEncoder();
  const f = { xid: 42, prog: 300000, vers: 2, proc: 1, cred: AUTH_NONE, verf: AUTH_NONE, ...fields };
  if (fields.rpcvers !== undefined) {
    enc.writeUint(f.xid);
    enc.writeUint(MsgType.CALL);
    enc.writeUint(fields.rpcvers);
    enc.writeUint(f.prog);
    enc.writeUint(f.vers);
    enc.writeUint(f.proc);
    enc.writeUint(0);
    enc.writeUint(0);
    enc.writeUint(0);
    enc.writeUint(0);
  } else {
    encodeCallHeader(enc, f);
  }
  args?.(enc);
  return enc.finish();
}

async function reply(d: RpcDispatcher, buf: XdrBuf) {
  const out = await d.dispatch(buf, origin);
  if (out.reply === null) return { out, header: null, dec: null };
  const dec = new XdrDecoder(out.reply);
  return { out, header: decodeReplyHeader(dec), dec };
}

describe('RpcDispatcher', () => {
  it('runs the procedure and answers SUCCESS with its results; NULL is implicit', async () => {
    const { d } = makeDispatcher();
    const r = await reply(
      d,
      call({}, (e) => e.writeUint(21)),
    );
    expect(r.header).toMatchObject({
      xid: 42,
      replyStat: ReplyStat.MSG_ACCEPTED,
      acceptStat: AcceptStat.SUCCESS,
    });
    expect(r.dec!.readUint('result')).toBe(42);
    r.dec!.assertEnd('reply');
    const n = await reply(d, call({ proc: 0 }));
    expect(n.header).toMatchObject({ acceptStat: AcceptStat.SUCCESS });
    expect(n.dec!.remaining).toBe(0);
  });

  it('answers RPC_MISMATCH (2..2) for rpcvers 3 before looking at anything else', async () => {
    const { d } = makeDispatcher();
    const r = await reply(d, call({ rpcvers: 3, prog: 1 }));
    expect(r.header).toMatchObject({
      replyStat: ReplyStat.MSG_DENIED,
      rejectStat: RejectStat.RPC_MISMATCH,
      mismatch: { low: 2, high: 2 },
    });
    expect(d.counters.rpcMismatch).toBe(1);
  });

  it('answers PROG_UNAVAIL, PROG_MISMATCH with the registered range and PROC_UNAVAIL', async () => {
    const { d } = makeDispatcher();
    expect((await reply(d, call({ prog: 300001 }))).header).toMatchObject({
      acceptStat: AcceptStat.PROG_UNAVAIL,
    });
    expect((await reply(d, call({ vers: 3 }))).header).toMatchObject({
      acceptStat: AcceptStat.PROG_MISMATCH,
      mismatch: { low: 2, high: 4 },
    });
    expect((await reply(d, call({ proc: 9 }))).header).toMatchObject({ acceptStat: AcceptStat.PROC_UNAVAIL });
    expect(d.counters).toMatchObject({ progUnavail: 1, progMismatch: 1, procUnavail: 1 });
  });

  it('answers GARBAGE_ARGS when the arguments do not decode, SYSTEM_ERR when the handler fails', async () => {
    const { d, errors } = makeDispatcher();
    expect((await reply(d, call({}))).header).toMatchObject({ acceptStat: AcceptStat.GARBAGE_ARGS });
    const sys = await reply(d, call({ proc: 2 }));
    expect(sys.header).toMatchObject({ acceptStat: AcceptStat.SYSTEM_ERR });
    expect(errors).toHaveLength(1);
  });

  it('authenticates: AUTH_SYS parsed, a malformed AUTH_SYS body or unknown flavor is AUTH_BADCRED, a bad verifier AUTH_BADVERF', async () => {
    const { d } = makeDispatcher();
    const root = authSysCredential({ stamp: 1, machineName: 'm', uid: 0, gid: 0, gids: [] });
    expect((await reply(d, call({ proc: 2, cred: root }))).header).toMatchObject({
      acceptStat: AcceptStat.SUCCESS,
    });
    const truncated = { flavor: AuthFlavor.AUTH_SYS, body: root.body.subarray(0, 10) };
    expect((await reply(d, call({ cred: truncated }))).header).toMatchObject({
      rejectStat: RejectStat.AUTH_ERROR,
      authStat: AuthStat.AUTH_BADCRED,
    });
    const tooManyGids = authSysCredential({ stamp: 1, machineName: 'm', uid: 1, gid: 1, gids: [] });
    const patched = tooManyGids.body.slice();
    new DataView(patched.buffer).setUint32(patched.length - 4, 17);
    expect(
      (await reply(d, call({ cred: { flavor: AuthFlavor.AUTH_SYS, body: patched } }))).header,
    ).toMatchObject({ authStat: AuthStat.AUTH_BADCRED });
    expect((await reply(d, call({ cred: { flavor: 6, body: new Uint8Array(8) } }))).header).toMatchObject({
      authStat: AuthStat.AUTH_BADCRED,
    });
    expect(
      (await reply(d, call({ verf: { flavor: AuthFlavor.AUTH_SYS, body: new Uint8Array(4) } }))).header,
    ).toMatchObject({ authStat: AuthStat.AUTH_BADVERF });
    expect(d.counters.authErrors).toBe(4);
  });

  it('an opaque_auth body over 400 bytes is AUTH_BADCRED; a truncated header or a REPLY is dropped', async () => {
    const { d } = makeDispatcher();
    const enc = new XdrEncoder();
    for (const w of [7, MsgType.CALL, 2, 300000, 2, 1, AuthFlavor.AUTH_SYS, 401]) enc.writeUint(w);
    enc.writeFixedOpaque(new Uint8Array(404), 404);
    const big = await reply(d, enc.finish());
    expect(big.header).toMatchObject({ xid: 7, authStat: AuthStat.AUTH_BADCRED });
    const short = await d.dispatch(XdrBuf.fromBytes(new Uint8Array([0, 0, 0, 8, 0, 0, 0, 0, 0, 0])), origin);
    expect(short).toMatchObject({ reply: null, status: 'DROPPED' });
    const notACall = await d.dispatch(
      XdrBuf.fromBytes(new Uint8Array([0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0])),
      origin,
    );
    expect(notACall.reply).toBeNull();
    expect((await d.dispatch(XdrBuf.fromBytes(new Uint8Array(2)), origin)).reply).toBeNull();
    expect(d.counters.dropped).toBe(3);
  });

  it('refuses a second registration of the same program version with EEXIST', () => {
    const { d } = makeDispatcher();
    expect(() => d.register({ program: 300000, version: 2, procedures: {} })).toThrow(
      expect.objectContaining({ code: 'EEXIST' }),
    );
  });
});
