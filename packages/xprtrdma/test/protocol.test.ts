import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeConnectPrivate,
  decodeHeader,
  encodeConnectPrivate,
  encodeHeader,
  encodeHeaderBytes,
  headerLength,
  negotiateInline,
  RdmaErrcode,
  type RdmaMsgHeader,
  RdmaProc,
  type ReadSegment,
  type RpcRdmaHeader,
  RpcRdmaHeaderError,
  readChunks,
  readConnectPrivate,
} from '../src/index.js';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function words(...ws: number[]): Uint8Array {
  const out = new Uint8Array(ws.length * 4);
  const v = new DataView(out.buffer);
  ws.forEach((w, i) => {
    v.setUint32(i * 4, w);
  });
  return out;
}

describe('RPC-over-RDMA v1 header codec (RFC 8166)', () => {
  it('encodes an inline RDMA_MSG exactly as Linux puts it on the wire', () => {
    const h: RpcRdmaHeader = {
      xid: 0x1000,
      credits: 32,
      proc: RdmaProc.RDMA_MSG,
      readList: [],
      writeList: [],
      replyChunk: null,
    };
    expect(hex(encodeHeaderBytes(h))).toBe(`00001000${'00000001'}${'00000020'}${'00000000'.repeat(4)}`);
    expect(headerLength(h)).toBe(28);
  });

  it('encodes read list, write list and reply chunk with the XDR optional-data discriminators', () => {
    const h: RpcRdmaHeader = {
      xid: 7,
      credits: 1,
      proc: RdmaProc.RDMA_MSG,
      readList: [{ position: 132, handle: 0x1234, length: 32768, offset: 0x1_0000_2000 }],
      writeList: [[{ handle: 5, length: 4096, offset: 0x3000 }]],
      replyChunk: [{ handle: 9, length: 1024, offset: 0x4000 }],
    };
    const bytes = encodeHeaderBytes(h);
    expect(hex(bytes)).toBe(
      hex(
        words(
          7,
          1,
          1,
          0,
          /* read */ 1,
          132,
          0x1234,
          32768,
          1,
          0x2000,
          0,
          /* write */ 1,
          1,
          5,
          4096,
          0,
          0x3000,
          0,
          /* reply */ 1,
          1,
          9,
          1024,
          0,
          0x4000,
        ),
      ),
    );
    expect(decodeHeader(bytes)).toEqual({ header: h, length: bytes.length });
  });

  it('round-trips every header shape', () => {
    const seg = fc.record({
      handle: fc.nat(0xffffffff),
      length: fc.nat(0xffffffff),
      offset: fc.maxSafeNat(),
    });
    const readList = fc
      .array(fc.tuple(fc.nat(1000), seg), { maxLength: 5 })
      .map((items) =>
        items.map(([p, s]) => ({ position: p * 4, ...s })).sort((a, b) => a.position - b.position),
      );
    const msg = fc.record({
      xid: fc.nat(0xffffffff),
      credits: fc.nat(0xffffffff),
      proc: fc.constantFrom(RdmaProc.RDMA_MSG, RdmaProc.RDMA_NOMSG),
      readList,
      writeList: fc.array(fc.array(seg, { minLength: 1, maxLength: 4 }), { maxLength: 3 }),
      replyChunk: fc.option(fc.array(seg, { maxLength: 4 }), { nil: null }),
    });
    const err = fc.oneof(
      fc.record({
        xid: fc.nat(0xffffffff),
        credits: fc.nat(0xffffffff),
        proc: fc.constant(RdmaProc.RDMA_ERROR),
        err: fc.constant(RdmaErrcode.ERR_CHUNK),
      }),
      fc.record({
        xid: fc.nat(0xffffffff),
        credits: fc.nat(0xffffffff),
        proc: fc.constant(RdmaProc.RDMA_ERROR),
        err: fc.constant(RdmaErrcode.ERR_VERS),
        versLow: fc.nat(0xffffffff),
        versHigh: fc.nat(0xffffffff),
      }),
    );
    fc.assert(
      fc.property(fc.oneof(msg, err), (h) => {
        const bytes = encodeHeaderBytes(h as RpcRdmaHeader);
        const trailing = new Uint8Array(bytes.length + 8);
        trailing.set(bytes);
        const decoded = decodeHeader(trailing);
        expect(decoded.length).toBe(bytes.length);
        expect(decoded.header).toEqual(h);
      }),
    );
  });

  it('groups read segments with equal positions into one chunk', () => {
    const list: ReadSegment[] = [
      { position: 0, handle: 1, length: 10, offset: 0 },
      { position: 0, handle: 2, length: 10, offset: 0 },
      { position: 64, handle: 3, length: 10, offset: 0 },
    ];
    expect(readChunks(list).map((c) => [c.position, c.segments.length])).toEqual([
      [0, 2],
      [64, 1],
    ]);
  });

  it('rejects a wrong version with ERR_VERS, naming rdma_vers at byte 4 and keeping the xid', () => {
    const e = catchHeader(words(0xabc, 2, 1, 0, 0, 0, 0));
    expect(e).toMatchObject({ code: 'ERR_VERS', field: 'rdma_vers', offset: 4, xid: 0xabc });
  });

  it('rejects a malformed chunk list with ERR_CHUNK naming the field and offset', () => {
    expect(catchHeader(words(1, 1, 1, 0, 2))).toMatchObject({
      code: 'ERR_CHUNK',
      field: 'read_list[0]',
      offset: 16,
    });
    // a write chunk claiming 1000 segments in a short header
    expect(catchHeader(words(1, 1, 1, 0, 0, 1, 1000, 0, 0))).toMatchObject({
      code: 'ERR_CHUNK',
      field: 'write_list[0].count',
      offset: 24,
    });
    // read positions out of order and unaligned
    expect(catchHeader(words(1, 1, 1, 0, 1, 8, 1, 1, 0, 0, 1, 4, 1, 1, 0, 0, 0, 0, 0))).toMatchObject({
      code: 'ERR_CHUNK',
      field: 'read_list[1].position',
      offset: 44,
    });
    expect(catchHeader(words(1, 1, 1, 0, 1, 6, 1, 1, 0, 0, 0, 0, 0))).toMatchObject({
      code: 'ERR_CHUNK',
      field: 'read_list[0].position',
    });
    // an offset beyond 2^53
    expect(catchHeader(words(1, 1, 1, 0, 0, 0, 1, 1, 5, 5, 0xffffffff, 0))).toMatchObject({
      code: 'ERR_CHUNK',
      field: 'reply_chunk[0].offset',
      offset: 40,
    });
  });

  it('rejects truncated headers with EBADMSG and unknown procedures with EPROTO', () => {
    expect(catchHeader(words(1, 1, 1, 0, 0, 0))).toMatchObject({
      code: 'EBADMSG',
      field: 'reply_chunk',
      offset: 24,
    });
    expect(catchHeader(new Uint8Array(6))).toMatchObject({ code: 'EBADMSG', field: 'rdma_vers', offset: 4 });
    expect(catchHeader(words(1, 1, 1, RdmaProc.RDMA_DONE))).toMatchObject({
      code: 'EPROTO',
      field: 'rdma_proc',
      offset: 12,
    });
    expect(catchHeader(words(1, 1, 1, RdmaProc.RDMA_ERROR, 9))).toMatchObject({
      code: 'EPROTO',
      field: 'rdma_err',
      offset: 16,
    });
  });

  it('refuses to encode into a buffer that is too small, or values out of range', () => {
    const h: RdmaMsgHeader = {
      xid: 1,
      credits: 1,
      proc: RdmaProc.RDMA_MSG,
      readList: [],
      writeList: [],
      replyChunk: null,
    };
    expect(() => encodeHeader(h, new Uint8Array(20))).toThrow(
      expect.objectContaining({ code: 'EMSGSIZE', field: 'write_list.end' }),
    );
    expect(() => encodeHeaderBytes({ ...h, credits: -1 })).toThrow(
      expect.objectContaining({ code: 'EINVAL', field: 'rdma_credit' }),
    );
    expect(() => encodeHeaderBytes({ ...h, writeList: [[]] })).toThrow(
      expect.objectContaining({ code: 'EINVAL', field: 'write_list[0]' }),
    );
  });
});

describe('CM private data (RFC 8797) and inline threshold negotiation', () => {
  it('encodes magic, version, flags and sizes coded in KiB - 1', () => {
    const bytes = encodeConnectPrivate({ sendWithInvalidateOk: true, inlineSend: 4096, inlineRecv: 1024 });
    expect(hex(bytes)).toBe('f6ab0e18' + '01' + '01' + '03' + '00');
    expect(decodeConnectPrivate(bytes)).toEqual({
      sendWithInvalidateOk: true,
      inlineSend: 4096,
      inlineRecv: 1024,
    });
  });

  it('reads only the first 8 bytes of zero-padded CM private data', () => {
    const padded = new Uint8Array(196);
    padded.set(encodeConnectPrivate({ sendWithInvalidateOk: false, inlineSend: 65536, inlineRecv: 8192 }));
    expect(readConnectPrivate(padded)).toEqual({
      sendWithInvalidateOk: false,
      inlineSend: 65536,
      inlineRecv: 8192,
    });
  });

  it('treats missing or foreign private data as absent, with typed errors from the strict decoder', () => {
    expect(readConnectPrivate(undefined)).toBeUndefined();
    expect(readConnectPrivate(new Uint8Array(196))).toBeUndefined();
    expect(() => decodeConnectPrivate(new Uint8Array(4))).toThrow(RpcRdmaHeaderError);
    expect(() => decodeConnectPrivate(new Uint8Array(8))).toThrow(
      expect.objectContaining({ code: 'EINVAL', field: 'cp_magic', offset: 0 }),
    );
    const v2 = encodeConnectPrivate({ sendWithInvalidateOk: false, inlineSend: 1024, inlineRecv: 1024 });
    v2[4] = 2;
    expect(() => decodeConnectPrivate(v2)).toThrow(
      expect.objectContaining({ field: 'cp_version', offset: 4 }),
    );
    expect(() =>
      encodeConnectPrivate({ sendWithInvalidateOk: false, inlineSend: 512, inlineRecv: 1024 }),
    ).toThrow(expect.objectContaining({ code: 'EINVAL', field: 'cp_send_size' }));
  });

  it('negotiates each direction to the smaller side, and 1024 when the peer sends nothing', () => {
    const own = { inlineSend: 4096, inlineRecv: 4096 };
    expect(negotiateInline(own, undefined)).toEqual({
      inlineSend: 1024,
      inlineRecv: 1024,
      peerAcceptsInvalidate: false,
    });
    expect(negotiateInline(own, { sendWithInvalidateOk: true, inlineSend: 65536, inlineRecv: 2048 })).toEqual(
      {
        inlineSend: 2048,
        inlineRecv: 4096,
        peerAcceptsInvalidate: true,
      },
    );
  });
});

function catchHeader(bytes: Uint8Array): RpcRdmaHeaderError {
  try {
    decodeHeader(bytes);
  } catch (e) {
    if (e instanceof RpcRdmaHeaderError) return e;
    throw e;
  }
  throw new Error('decodeHeader accepted malformed bytes');
}
