import { PAGE_SIZE, type Page, type PhysicalMemory } from '@rdmalab/kernel';
import {
  XDRBUF_READ,
  XDRBUF_WRITE,
  type XdrDecoder,
  type XdrEncoder,
  type XdrPageRange,
} from '@rdmalab/sunrpc';
import type { StackOptions } from './stack.js';

/** WRITE-like: opaque data (DDP-eligible, a read chunk when large); returns length and byte sum. */
export const PROC_WRITE = 2;
/** READ-like: (length, seed) → opaque data (DDP-eligible, a write chunk when large). */
export const PROC_READ = 3;
/** Long reply: (length) → an inline opaque of that length (a reply chunk when large). */
export const PROC_BIG = 4;

export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return out;
}

export function sum(bytes: Uint8Array): number {
  let s = 0;
  for (const b of bytes) s = (s + b) >>> 0;
  return s;
}

/** Copy `bytes` into fresh pages of `memory`, owner-tagged. */
export function pagesWith(memory: PhysicalMemory, bytes: Uint8Array, owner: string): Page[] {
  const pages: Page[] = [];
  for (let at = 0; at < Math.max(bytes.length, 1); at += PAGE_SIZE) {
    const p = memory.alloc(owner);
    p.bytes.fill(0);
    p.bytes.set(bytes.subarray(at, at + PAGE_SIZE));
    pages.push(p);
  }
  return pages;
}

export function readPages(range: XdrPageRange, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += PAGE_SIZE)
    out.set(
      range.pages[(range.base + at) / PAGE_SIZE]!.bytes.subarray(0, Math.min(PAGE_SIZE, length - at)),
      at,
    );
  return out;
}

/** The server-side procedures; `memory` is the server host's. */
export function chunkProcedures(memory: () => PhysicalMemory): NonNullable<StackOptions['procedures']> {
  return {
    [PROC_WRITE]: {
      name: 'WRITE',
      handler: (call, results) => {
        const data = call.args.readOpaque('data');
        results.writeUint(data.length);
        results.writeUint(sum(data));
      },
    },
    [PROC_READ]: {
      name: 'READ',
      handler: (call, results) => {
        const length = call.args.readUint('length');
        const seed = call.args.readUint('seed');
        const pages = pagesWith(memory(), pattern(length, seed), 'server:read-data');
        results.writeUint(length);
        results.writeBool(true);
        results.writeOpaquePages(pages, 0, length, XDRBUF_READ);
        call.afterReply(() => {
          for (const p of pages) memory().free(p);
        });
      },
    },
    [PROC_BIG]: {
      name: 'BIG',
      handler: (call, results) => {
        const length = call.args.readUint('length');
        results.writeOpaque(pattern(length, 3));
      },
    },
  };
}

export function writeArgs(pages: readonly Page[], length: number): (enc: XdrEncoder) => void {
  return (enc) => enc.writeOpaquePages(pages, 0, length, XDRBUF_WRITE);
}

export function decodeWriteResult(dec: XdrDecoder): { length: number; sum: number } {
  return { length: dec.readUint('length'), sum: dec.readUint('sum') };
}
