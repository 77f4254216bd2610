import type { HeaderReader, HeaderWriter } from './cursor.js';
import { RpcRdmaHeaderError } from './errors.js';

/** struct xdr_rdma_segment (RFC 8166 §4.3): one registered memory range of the requester. */
export interface RdmaSegment {
  /** The rkey (RFC 8166 "handle"). */
  readonly handle: number;
  readonly length: number;
  /** The remote address (a 64-bit value; a safe integer here). */
  readonly offset: number;
}

/** struct xdr_read_chunk (RFC 8166 §4.3.1): a segment the responder RDMA-Reads, and where it goes. */
export interface ReadSegment extends RdmaSegment {
  /** Byte offset in the RPC message (from the xid) where the data belongs; 0 = the whole message. */
  readonly position: number;
}

/** A read chunk: consecutive read segments with one position (RFC 8166 §3.4.5). */
export interface ReadChunk {
  readonly position: number;
  readonly segments: readonly RdmaSegment[];
}

/** A write chunk or the reply chunk: a counted array of segments (RFC 8166 §4.3.2, §4.3.3). */
export type WriteChunk = readonly RdmaSegment[];

/** Total bytes a chunk's segments cover. */
export function chunkLength(segments: readonly RdmaSegment[]): number {
  let n = 0;
  for (const s of segments) n += s.length;
  return n;
}

/** Group a read list into chunks: segments with equal position form one chunk (RFC 8166 §3.4.5). */
export function readChunks(list: readonly ReadSegment[]): ReadChunk[] {
  const out: { position: number; segments: RdmaSegment[] }[] = [];
  for (const s of list) {
    const last = out[out.length - 1];
    const seg = { handle: s.handle, length: s.length, offset: s.offset };
    if (last !== undefined && last.position === s.position) last.segments.push(seg);
    else out.push({ position: s.position, segments: [seg] });
  }
  return out;
}

function readSegment(r: HeaderReader, field: string): RdmaSegment {
  const handle = r.u32(`${field}.handle`);
  const length = r.u32(`${field}.length`);
  const offset = r.u64(`${field}.offset`);
  return { handle, length, offset };
}

function writeSegment(w: HeaderWriter, s: RdmaSegment, field: string): void {
  w.u32(s.handle, `${field}.handle`);
  w.u32(s.length, `${field}.length`);
  w.u64(s.offset, `${field}.offset`);
}

/**
 * Decode the read list: `1, position, segment` items ending with `0`. Positions must be XDR
 * aligned and non-decreasing (a responder reassembles the message in position order).
 */
export function decodeReadList(r: HeaderReader): ReadSegment[] {
  const out: ReadSegment[] = [];
  for (let i = 0; r.present(`read_list[${i}]`); i++) {
    const at = r.offset;
    const position = r.u32(`read_list[${i}].position`);
    if (position % 4 !== 0)
      r.fail('ERR_CHUNK', `read_list[${i}].position`, `${position} is not XDR aligned`, at);
    const prev = out[out.length - 1];
    if (prev !== undefined && position < prev.position) {
      r.fail(
        'ERR_CHUNK',
        `read_list[${i}].position`,
        `${position} is before the previous position ${prev.position}`,
        at,
      );
    }
    const seg = readSegment(r, `read_list[${i}]`);
    out.push({ position, ...seg });
  }
  return out;
}

export function encodeReadList(w: HeaderWriter, list: readonly ReadSegment[]): void {
  list.forEach((s, i) => {
    w.u32(1, `read_list[${i}]`);
    w.u32(s.position, `read_list[${i}].position`);
    writeSegment(w, s, `read_list[${i}]`);
  });
  w.u32(0, 'read_list.end');
}

/** A counted segment array; the count is checked against the bytes left before reading. */
function decodeSegmentArray(r: HeaderReader, field: string): RdmaSegment[] {
  const at = r.offset;
  const count = r.u32(`${field}.count`);
  if (count * 16 > r.remaining) {
    r.fail(
      'ERR_CHUNK',
      `${field}.count`,
      `${count} segments need ${count * 16} bytes, ${r.remaining} left`,
      at,
    );
  }
  const out: RdmaSegment[] = [];
  for (let i = 0; i < count; i++) out.push(readSegment(r, `${field}[${i}]`));
  return out;
}

function encodeSegmentArray(w: HeaderWriter, segments: WriteChunk, field: string): void {
  w.u32(segments.length, `${field}.count`);
  segments.forEach((s, i) => {
    writeSegment(w, s, `${field}[${i}]`);
  });
}

export function decodeWriteList(r: HeaderReader): WriteChunk[] {
  const out: WriteChunk[] = [];
  for (let i = 0; r.present(`write_list[${i}]`); i++) out.push(decodeSegmentArray(r, `write_list[${i}]`));
  return out;
}

export function encodeWriteList(w: HeaderWriter, list: readonly WriteChunk[]): void {
  list.forEach((chunk, i) => {
    if (chunk.length === 0) {
      throw new RpcRdmaHeaderError(
        'EINVAL',
        `write_list[${i}]`,
        w.offset,
        'a write chunk needs at least one segment',
      );
    }
    w.u32(1, `write_list[${i}]`);
    encodeSegmentArray(w, chunk, `write_list[${i}]`);
  });
  w.u32(0, 'write_list.end');
}

export function decodeReplyChunk(r: HeaderReader): WriteChunk | null {
  return r.present('reply_chunk') ? decodeSegmentArray(r, 'reply_chunk') : null;
}

export function encodeReplyChunk(w: HeaderWriter, chunk: WriteChunk | null): void {
  if (chunk === null) {
    w.u32(0, 'reply_chunk');
    return;
  }
  w.u32(1, 'reply_chunk');
  encodeSegmentArray(w, chunk, 'reply_chunk');
}

/** Encoded size of the three chunk lists. */
export function chunkListsLength(
  readList: readonly ReadSegment[],
  writeList: readonly WriteChunk[],
  replyChunk: WriteChunk | null,
): number {
  let n = 4 + readList.length * 24;
  n += 4;
  for (const c of writeList) n += 8 + c.length * 16;
  n += 4 + (replyChunk === null ? 0 : 4 + replyChunk.length * 16);
  return n;
}
