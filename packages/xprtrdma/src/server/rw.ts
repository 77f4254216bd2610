import { PAGE_SIZE, type Page } from '@rdmalab/kernel';
import {
  type Device,
  type DmaAddress,
  type DmaDirection,
  SendFlags,
  type SendWr,
  type Sge,
  type WrOpcode,
} from '@rdmalab/verbs';
import type { RdmaSegment } from '../protocol/chunks.js';

/** Pages DMA-mapped for one RDMA Read or Write, and how to undo the mapping. */
export interface MappedPages {
  readonly pages: readonly Page[];
  readonly addrs: readonly DmaAddress[];
  readonly direction: DmaDirection;
}

export function mapPages(device: Device, pages: readonly Page[], direction: DmaDirection): MappedPages {
  const addrs: DmaAddress[] = [];
  try {
    for (const p of pages) addrs.push(device.dma.mapPage(p, 0, PAGE_SIZE, direction));
  } catch (error) {
    for (const a of addrs) device.dma.unmapPage(a, PAGE_SIZE, direction);
    throw error;
  }
  return { pages, addrs, direction };
}

export function unmapPages(device: Device, mapped: MappedPages): void {
  for (const a of mapped.addrs) device.dma.unmapPage(a, PAGE_SIZE, mapped.direction);
}

/**
 * RDMA WRs moving bytes between local mapped memory, starting at `localBase` (an offset into the
 * mapped pages), and the peer's `segments` in order (svc_rdma_rw.c): RDMA_READ to pull a read
 * chunk, RDMA_WRITE to push a write or reply chunk. Each WR carries at most `maxSge` page SGEs.
 * All WRs are unsignaled; the caller signals the last one or chains a signaled Send after them.
 */
export function chunkWrs(
  opcode: typeof WrOpcode.RDMA_READ | typeof WrOpcode.RDMA_WRITE,
  mapped: MappedPages,
  localBase: number,
  segments: readonly RdmaSegment[],
  lkey: number,
  maxSge: number,
  total: number,
): SendWr[] {
  const wrs: SendWr[] = [];
  let local = localBase;
  let left = total;
  for (const seg of segments) {
    if (left === 0) break;
    let segLeft = Math.min(seg.length, left);
    let remote = seg.offset;
    while (segLeft > 0) {
      const sgList: Sge[] = [];
      let wrLen = 0;
      while (segLeft - wrLen > 0 && sgList.length < maxSge) {
        const index = Math.floor(local / PAGE_SIZE);
        const offset = local - index * PAGE_SIZE;
        const n = Math.min(PAGE_SIZE - offset, segLeft - wrLen);
        sgList.push({ addr: mapped.addrs[index]! + offset, length: n, lkey });
        local += n;
        wrLen += n;
      }
      wrs.push({
        wrId: 0,
        opcode,
        sgList,
        flags: SendFlags.NONE,
        rdma: { remoteAddr: remote, rkey: seg.handle },
      });
      remote += wrLen;
      segLeft -= wrLen;
      left -= wrLen;
    }
  }
  return wrs;
}

/** The segments echoed in a reply with lengths updated to the bytes actually written (RFC 8166 §4.3.2). */
export function writtenSegments(segments: readonly RdmaSegment[], written: number): RdmaSegment[] {
  const out: RdmaSegment[] = [];
  let left = written;
  for (const s of segments) {
    const n = Math.min(s.length, left);
    out.push({ handle: s.handle, length: n, offset: s.offset });
    left -= n;
  }
  return out;
}
