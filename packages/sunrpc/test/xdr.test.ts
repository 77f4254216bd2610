import 'reflect-metadata';
import { PAGE_SIZE, PhysicalMemory } from '@rdmalab/kernel';
import { describe, expect, it } from 'vitest';
import { XDRBUF_READ, XdrBuf, XdrDecoder, XdrEncoder, XdrError } from '../src/index.js';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function catchXdr(fn: () => unknown): XdrError {
  try {
    fn();
  } catch (err) {
    if (err instanceof XdrError) return err;
    throw err;
  }
  throw new Error('expected an XdrError');
}

describe('XdrEncoder primitives (RFC 4506 byte layout)', () => {
  it('writes int, unsigned, hyper, bool and enum big-endian', () => {
    const enc = new XdrEncoder();
    enc.writeInt(-2);
    enc.writeUint(0xdeadbeef);
    enc.writeHyper(-1);
    enc.writeUhyper(2 ** 40 + 5);
    enc.writeHyper(-(2n ** 63n));
    enc.writeUhyper(2n ** 64n - 1n);
    enc.writeBool(true);
    enc.writeEnum(3, new Set([1, 3]));
    expect(hex(enc.finish().toBytes())).toBe(
      'fffffffe' +
        'deadbeef' +
        'ffffffffffffffff' +
        '0000010000000005' +
        '8000000000000000' +
        'ffffffffffffffff' +
        '00000001' +
        '00000003',
    );
  });

  it('pads opaque and strings with zeros to four bytes, after a reset reused buffer too', () => {
    const enc = new XdrEncoder({ initialSize: 8 });
    enc.writeString('\xff\xff\xff\xff\xff\xff\xff');
    enc.reset();
    enc.writeOpaque(new Uint8Array([1, 2, 3, 4, 5]));
    enc.writeString('abc');
    enc.writeFixedOpaque(new Uint8Array([9]), 1);
    expect(hex(enc.finish().toBytes())).toBe(
      '00000005' + '0102030405000000' + '00000003' + '61626300' + '09000000',
    );
  });

  it('encodes non-ASCII strings as UTF-8 and counts bytes against the maximum', () => {
    const enc = new XdrEncoder();
    enc.writeString('é', 2);
    expect(hex(enc.finish().toBytes())).toBe('00000002c3a90000');
    expect(catchXdr(() => new XdrEncoder().writeString('éé', 3, 'name')).code).toBe('E2BIG');
  });

  it('rejects values outside their type with ERANGE naming the field', () => {
    const e = catchXdr(() => new XdrEncoder().writeInt(2 ** 31, 'fattr3.mode'));
    expect(e.code).toBe('ERANGE');
    expect(e.field).toBe('fattr3.mode');
    expect(catchXdr(() => new XdrEncoder().writeUint(-1)).code).toBe('ERANGE');
    expect(catchXdr(() => new XdrEncoder().writeUhyper(-1)).code).toBe('ERANGE');
    expect(catchXdr(() => new XdrEncoder().writeUhyper(2n ** 64n)).code).toBe('ERANGE');
    expect(catchXdr(() => new XdrEncoder().writeHyper(2 ** 60)).code).toBe('ERANGE');
    expect(catchXdr(() => new XdrEncoder().writeEnum(2, new Set([1]))).code).toBe('EINVAL');
    expect(catchXdr(() => new XdrEncoder().writeArray([1, 2, 3], 2, (e, v) => e.writeInt(v))).code).toBe(
      'E2BIG',
    );
  });

  it('a fixed buffer that runs out is EMSGSIZE, not a silent reallocation', () => {
    const buffer = new Uint8Array(8);
    const enc = new XdrEncoder({ buffer, fixed: true });
    enc.writeUhyper(7);
    const e = catchXdr(() => enc.writeInt(1, 'next'));
    expect(e.code).toBe('EMSGSIZE');
    expect(e.offset).toBe(8);
    expect(enc.finish().head.buffer).toBe(buffer.buffer);
  });
});

describe('XdrDecoder', () => {
  it('round-trips every type the RPC and NFS layers use', () => {
    const enc = new XdrEncoder({ initialSize: 4 });
    enc.writeInt(-7);
    enc.writeUint(4_000_000_000);
    enc.writeHyper(-(2 ** 50));
    enc.writeUhyper(2n ** 63n + 1n);
    enc.writeBool(false);
    enc.writeEnum(2);
    enc.writeFloat(1.5);
    enc.writeDouble(-0.25);
    enc.writeFixedOpaque(new Uint8Array([1, 2, 3, 4, 5, 6]), 6);
    enc.writeOpaque(new Uint8Array([7]));
    enc.writeString('grüße/ファイル');
    enc.writeArray([10, 20, 30], 16, (e, v) => e.writeUint(v));
    enc.writeFixedArray([1, 2], 2, (e, v) => e.writeInt(v));
    enc.writeOptional<number>(undefined, (e, v) => e.writeInt(v));
    enc.writeOptional(5, (e, v) => e.writeInt(v));
    enc.writeUnion(1, (e) => e.writeString('ok'));
    const dec = new XdrDecoder(enc.finish());
    expect(dec.readInt('a')).toBe(-7);
    expect(dec.readUint('b')).toBe(4_000_000_000);
    expect(dec.readHyperNumber('c')).toBe(-(2 ** 50));
    expect(dec.readUhyper('d')).toBe(2n ** 63n + 1n);
    expect(dec.readBool('e')).toBe(false);
    expect(dec.readEnum('f', new Set([1, 2]))).toBe(2);
    expect(dec.readFloat('g')).toBe(1.5);
    expect(dec.readDouble('h')).toBe(-0.25);
    expect([...dec.readFixedOpaque('i', 6)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...dec.readOpaque('j', 4)]).toEqual([7]);
    expect(dec.readString('k', 255)).toBe('grüße/ファイル');
    expect(dec.readArray('l', 16, (d) => d.readUint('l[]'))).toEqual([10, 20, 30]);
    expect(dec.readFixedArray('m', 2, (d) => d.readInt('m[]'))).toEqual([1, 2]);
    expect(dec.readOptional('n', (d) => d.readInt('n'))).toBeUndefined();
    expect(dec.readOptional('o', (d) => d.readInt('o'))).toBe(5);
    expect(dec.readUnion('p', { 0: () => 'void', 1: (d) => d.readString('p.ok', 10) })).toBe('ok');
    dec.assertEnd('end');
  });

  it('a length past the end is EBADMSG with the offset of the length word', () => {
    const bytes = new Uint8Array([0, 0, 0, 1, 0, 0, 0, 9, 1, 2, 3]);
    const dec = new XdrDecoder(bytes);
    dec.readUint('x');
    const e = catchXdr(() => dec.readOpaque('READ3resok.data'));
    expect(e.code).toBe('EBADMSG');
    expect(e.offset).toBe(4);
    expect(e.message).toContain('READ3resok.data');
    expect(catchXdr(() => new XdrDecoder(new Uint8Array(3)).readUint('short')).code).toBe('EBADMSG');
    expect(catchXdr(() => new XdrDecoder(new Uint8Array(7)).readUhyper('short')).code).toBe('EBADMSG');
  });

  it('a string over its maximum is E2BIG; bad UTF-8 is EINVAL', () => {
    const enc = new XdrEncoder();
    enc.writeString('x'.repeat(300));
    const e = catchXdr(() => new XdrDecoder(enc.finish()).readString('authsys.machinename', 255));
    expect(e).toMatchObject({ code: 'E2BIG', field: 'authsys.machinename', offset: 0 });
    const bad = new XdrEncoder();
    bad.writeOpaque(new Uint8Array(40).fill(0xc3));
    expect(catchXdr(() => new XdrDecoder(bad.finish()).readString('name')).code).toBe('EINVAL');
  });

  it('bad booleans, enums and discriminants are EINVAL at their offset', () => {
    const bytes = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 2]);
    const dec = new XdrDecoder(bytes);
    dec.readBool('first');
    expect(catchXdr(() => dec.readBool('second'))).toMatchObject({
      code: 'EINVAL',
      field: 'second',
      offset: 4,
    });
    expect(catchXdr(() => new XdrDecoder(bytes.subarray(4)).readEnum('stat', new Set([0, 1]))).code).toBe(
      'EINVAL',
    );
    expect(catchXdr(() => new XdrDecoder(bytes.subarray(4)).readUnion('u', { 0: () => 0 })).code).toBe(
      'EINVAL',
    );
  });

  it('an array count over the maximum or beyond the data is rejected before allocating', () => {
    const huge = new Uint8Array([0xff, 0xff, 0xff, 0xff]);
    expect(catchXdr(() => new XdrDecoder(huge).readArray('gids', 16, (d) => d.readUint('gid'))).code).toBe(
      'E2BIG',
    );
    expect(catchXdr(() => new XdrDecoder(huge).readArray('list', 2 ** 32, (d) => d.readUint('v'))).code).toBe(
      'EBADMSG',
    );
  });

  it('hypers that do not fit a number are ERANGE when a number is asked for', () => {
    const enc = new XdrEncoder();
    enc.writeUhyper(2n ** 53n);
    enc.writeHyper(-(2n ** 53n));
    const dec = new XdrDecoder(enc.finish());
    expect(catchXdr(() => dec.readUhyperNumber('size')).code).toBe('ERANGE');
    expect(catchXdr(() => dec.readHyperNumber('off')).code).toBe('ERANGE');
  });
});

describe('XdrBuf page lists', () => {
  const memory = new PhysicalMemory({ totalPages: 16 });

  it('writeOpaquePages keeps the caller pages, puts the length in head and the pad in tail', () => {
    const pages = memory.allocPages(2, 'test:read');
    pages[0]!.bytes.fill(0xaa);
    pages[1]!.bytes.fill(0xbb);
    const enc = new XdrEncoder();
    enc.writeUint(1);
    enc.writeOpaquePages(pages, 100, PAGE_SIZE + 1, XDRBUF_READ);
    enc.writeUint(0x42);
    const buf = enc.finish();
    expect(hex(buf.head)).toBe('00000001' + '00001001');
    expect(buf.pages).toBe(pages);
    expect(buf.pageBase).toBe(100);
    expect(buf.pageLen).toBe(PAGE_SIZE + 1);
    expect(buf.flags).toBe(XDRBUF_READ);
    expect(hex(buf.tail)).toBe('000000' + '00000042');
    expect(buf.length).toBe(8 + PAGE_SIZE + 1 + 7);
    expect(buf.segments().map((s) => s.length)).toEqual([8, PAGE_SIZE - 100, 101, 7]);
    // The page bytes are not copied: a change made after encoding shows in the stream.
    pages[1]!.bytes[100] = 0xcc;
    const dec = new XdrDecoder(buf);
    expect(dec.readUint('x')).toBe(1);
    const data = dec.readOpaque('data');
    expect(data.length).toBe(PAGE_SIZE + 1);
    expect(data[0]).toBe(0xaa);
    expect(data[PAGE_SIZE - 101]).toBe(0xaa);
    expect(data[PAGE_SIZE - 100]).toBe(0xbb);
    expect(data[PAGE_SIZE]).toBe(0xcc);
    expect(dec.readUint('after')).toBe(0x42);
    dec.assertEnd('end');
    for (const p of pages) memory.free(p);
  });

  it('reads words straddling head, page and tail boundaries', () => {
    const [page] = memory.allocPages(1, 'test:straddle');
    const stream = new Uint8Array(24).map((_, i) => i + 1);
    page!.bytes.set(stream.subarray(6, 15), 40);
    const buf = new XdrBuf({
      head: stream.subarray(0, 6),
      pages: [page!],
      pageBase: 40,
      pageLen: 9,
      tail: stream.subarray(15),
    });
    const dec = new XdrDecoder(buf);
    const words = dec.readFixedArray('w', 6, (d) => d.readUint('w'));
    expect(words).toEqual([0x01020304, 0x05060708, 0x090a0b0c, 0x0d0e0f10, 0x11121314, 0x15161718]);
    expect(hex(buf.toBytes())).toBe(hex(stream));
    memory.free(page!);
  });

  it('readOpaqueInto copies into the caller pages, or skips the copy when the data is already there', () => {
    const dst = memory.allocPages(2, 'test:pagecache');
    const flat = new XdrEncoder();
    flat.writeOpaque(new Uint8Array(5000).fill(7));
    flat.writeUint(9);
    const dec = new XdrDecoder(flat.finish());
    expect(dec.readOpaqueInto('data', { pages: dst, base: 0, length: 2 * PAGE_SIZE })).toBe(5000);
    expect(dst[1]!.bytes[5000 - PAGE_SIZE - 1]).toBe(7);
    expect(dec.readUint('after')).toBe(9);

    // As an RDMA Write chunk would leave it: length in the head, data already in dst, pad in tail.
    dst[0]!.bytes.fill(3);
    const placed = new XdrBuf({
      head: new Uint8Array([0, 0, 0x10, 0x00]),
      pages: dst,
      pageBase: 0,
      pageLen: PAGE_SIZE,
      tail: new Uint8Array([0, 0, 0, 1]),
    });
    const pd = new XdrDecoder(placed);
    expect(pd.readOpaqueInto('data', { pages: dst, base: 0, length: PAGE_SIZE })).toBe(PAGE_SIZE);
    expect(dst[0]!.bytes[10]).toBe(3);
    expect(pd.readUint('eof')).toBe(1);
    expect(
      catchXdr(() => new XdrDecoder(placed).readOpaqueInto('data', { pages: dst, base: 0, length: 100 }))
        .code,
    ).toBe('E2BIG');
    for (const p of dst) memory.free(p);
  });

  it('rejects a page range the pages cannot hold, and a second page list', () => {
    const [page] = memory.allocPages(1, 'test:range');
    expect(catchXdr(() => new XdrEncoder().writeOpaquePages([page!], 10, PAGE_SIZE)).code).toBe('EINVAL');
    const enc = new XdrEncoder();
    enc.writeOpaquePages([page!], 0, 4);
    expect(catchXdr(() => enc.writeOpaquePages([page!], 0, 4)).code).toBe('EINVAL');
    memory.free(page!);
  });
});
