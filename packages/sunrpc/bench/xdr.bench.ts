import 'reflect-metadata';
import { Reader } from '@jsonjoy.com/buffers/lib/Reader.js';
import {
  Nfsv3GetattrResOk,
  Nfsv3GetattrResponse,
  type Nfsv3ReadResOk,
  Nfsv3ReadResponse,
  Nfsv3ReadResOk as ReadResOk,
} from '@jsonjoy.com/json-pack/lib/nfs/v3/messages.js';
import { Nfsv3Decoder } from '@jsonjoy.com/json-pack/lib/nfs/v3/Nfsv3Decoder.js';
import { Nfsv3Encoder } from '@jsonjoy.com/json-pack/lib/nfs/v3/Nfsv3Encoder.js';
import {
  Nfsv3Fattr,
  Nfsv3PostOpAttr,
  Nfsv3SpecData,
  Nfsv3Time,
} from '@jsonjoy.com/json-pack/lib/nfs/v3/structs.js';
import { PAGE_SIZE, PhysicalMemory } from '@rdmalab/kernel';
import { bench, describe } from 'vitest';
import { XdrDecoder, XdrEncoder } from '../src/index.js';
import {
  FATTR,
  readGetattr,
  readReadBytes,
  readReadInto,
  writeGetattrOk,
  writeReadOkBytes,
  writeReadOkPages,
} from './nfs3-shapes.js';

/*
 * NFSv3 reply bodies (RFC 1813) encoded and then decoded, per iteration.
 * Alternative: @jsonjoy.com/json-pack's Nfsv3Encoder / Nfsv3Decoder (built on its XdrEncoder /
 * XdrDecoder), the XDR codec a TypeScript user would pick. json-pack decodes 64-bit fields to
 * bigint; ours to numbers (readUhyperNumber, range-checked), as an NFS client keeps them.
 */
const GETATTR = 1;
const READ = 6;
const COUNT = 32 * 1024;

const jpFattr = new Nfsv3Fattr(
  FATTR.type,
  FATTR.mode,
  FATTR.nlink,
  FATTR.uid,
  FATTR.gid,
  BigInt(FATTR.size),
  BigInt(FATTR.used),
  new Nfsv3SpecData(0, 0),
  BigInt(FATTR.fsid),
  BigInt(FATTR.fileid),
  new Nfsv3Time(FATTR.atime[0], FATTR.atime[1]),
  new Nfsv3Time(FATTR.mtime[0], FATTR.mtime[1]),
  new Nfsv3Time(FATTR.ctime[0], FATTR.ctime[1]),
);
const jpEncoder = new Nfsv3Encoder();
const jpDecoder = new Nfsv3Decoder();
const jpReader = new Reader();

const enc = new XdrEncoder({ initialSize: 64 * 1024 });
let sink = 0;

describe('NFSv3 GETATTR reply: encode + decode', () => {
  bench('@rdmalab/sunrpc XdrEncoder/XdrDecoder', () => {
    enc.reset();
    writeGetattrOk(enc, FATTR);
    const r = readGetattr(new XdrDecoder(enc.finish()));
    sink += r.attr!.nlink;
  });

  bench('@jsonjoy.com/json-pack Nfsv3Encoder/Nfsv3Decoder', () => {
    const bytes = jpEncoder.encodeMessage(
      new Nfsv3GetattrResponse(0, new Nfsv3GetattrResOk(jpFattr)),
      GETATTR,
      false,
    );
    jpReader.reset(bytes);
    const r = jpDecoder.decodeMessage(jpReader, GETATTR, false) as Nfsv3GetattrResponse;
    sink += r.resok!.objAttributes.nlink;
  });
});

const memory = new PhysicalMemory({ totalPages: 32 });
const filePages = memory.allocPages(COUNT / PAGE_SIZE, 'bench:file');
for (const [i, p] of filePages.entries()) p.bytes.fill(i);
const cachePages = memory.allocPages(COUNT / PAGE_SIZE, 'bench:pagecache');
const fileBytes = new Uint8Array(COUNT).fill(7);

describe('NFSv3 READ reply with 32 KiB: encode + decode', () => {
  bench('@rdmalab/sunrpc, data in pages (zero-copy encode, decode into page-cache pages)', () => {
    enc.reset();
    writeReadOkPages(enc, FATTR, filePages, COUNT);
    const r = readReadInto(new XdrDecoder(enc.finish()), { pages: cachePages, base: 0, length: COUNT });
    sink += r.length;
  });

  bench('@rdmalab/sunrpc, flat bytes (copy in, flatten as TCP sends, view out)', () => {
    enc.reset();
    writeReadOkBytes(enc, FATTR, fileBytes);
    const r = readReadBytes(new XdrDecoder(enc.finish().toBytes()));
    sink += r.data.length;
  });

  bench('@jsonjoy.com/json-pack Nfsv3Encoder/Nfsv3Decoder', () => {
    const bytes = jpEncoder.encodeMessage(
      new Nfsv3ReadResponse(0, new ReadResOk(new Nfsv3PostOpAttr(true, jpFattr), COUNT, true, fileBytes)),
      READ,
      false,
    );
    jpReader.reset(bytes);
    const r = jpDecoder.decodeMessage(jpReader, READ, false) as Nfsv3ReadResponse;
    sink += (r.resok as Nfsv3ReadResOk).data.length;
  });
});

process.on('exit', () => {
  if (sink === -1) console.log(sink);
});
