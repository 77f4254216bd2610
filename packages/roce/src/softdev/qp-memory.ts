import { PAGE_SIZE as PAGE_SIZEImport, type PhysicalMemory } from '@rdmalab/kernel';
import {
  AccessFlags as AccessFlagsImport,
  type SendWr,
  type Sge,
  WcStatus as WcStatusImport,
} from '@rdmalab/verbs';
import type { DmaSource, LocalMemory } from '../engine/local-memory.js';
import { SoftFastRegMr } from './fast-reg-mr.js';
import type { Iommu } from './iommu.js';
import { LOCAL_DMA_LKEY as LOCAL_DMA_LKEYImport, type MappedRegion, type MrTable } from './mr-table.js';

// Imported values used per packet, bound to module-local names once: under a module runner (vitest,
// where tests and fault sweeps run) every use of an imported binding is a getter call, which costs
// more than the operation and keeps the hot path from being inlined.
const PAGE_SIZE = PAGE_SIZEImport;
const AccessFlags = AccessFlagsImport;
type AccessFlags = AccessFlagsImport;
const WcStatus = WcStatusImport;
type WcStatus = WcStatusImport;
const LOCAL_DMA_LKEY = LOCAL_DMA_LKEYImport;

/**
 * The engine's view of memory for one QP: SGEs resolved through the MR table of the QP's PD, every
 * byte reached through the IOMMU and read from or written to host memory at the moment of access.
 */
export class QpMemory implements LocalMemory {
  constructor(
    private readonly table: MrTable,
    private readonly pdId: number,
    private readonly iommu: Iommu,
    private readonly memory: PhysicalMemory,
  ) {}

  gather(
    sgList: readonly Sge[],
    offset: number,
    dst: Uint8Array,
    sources: DmaSource[] | undefined,
  ): WcStatus {
    return this.walk(sgList, offset, dst, false, sources);
  }

  scatter(sgList: readonly Sge[], offset: number, src: Uint8Array): WcStatus {
    return this.walk(sgList, offset, src, true, undefined);
  }

  private walk(
    sgList: readonly Sge[],
    offset: number,
    buf: Uint8Array,
    write: boolean,
    sources: DmaSource[] | undefined,
  ): WcStatus {
    let pos = 0;
    let skip = offset;
    const need = buf.length;
    for (let i = 0; i < sgList.length && pos < need; i++) {
      const sge = sgList[i]!;
      if (skip >= sge.length) {
        skip -= sge.length;
        continue;
      }
      const take = Math.min(sge.length - skip, need - pos);
      const ok =
        sge.lkey === LOCAL_DMA_LKEY
          ? this.dmaCopy(sge.addr + skip, buf, pos, take, write, sources)
          : this.localRegionCopy(sge, skip, buf, pos, take, write, sources);
      if (!ok) return WcStatus.LOC_PROT_ERR;
      pos += take;
      skip = 0;
    }
    return pos === need ? WcStatus.SUCCESS : WcStatus.LOC_LEN_ERR;
  }

  private localRegionCopy(
    sge: Sge,
    skip: number,
    buf: Uint8Array,
    pos: number,
    len: number,
    write: boolean,
    sources: DmaSource[] | undefined,
  ): boolean {
    const region = this.table.lookup(sge.lkey);
    if (region === undefined || !region.valid || region.pdId !== this.pdId) return false;
    if (write && (region.access & AccessFlags.LOCAL_WRITE) === 0) return false;
    return this.regionCopy(region, sge.addr + skip, buf, pos, len, write, sources);
  }

  /** Copy through a region's page list; bounds checked against [iova, iova + length). */
  private regionCopy(
    region: MappedRegion,
    addr: number,
    buf: Uint8Array,
    pos: number,
    len: number,
    write: boolean,
    sources: DmaSource[] | undefined,
  ): boolean {
    if (addr < region.iova || addr + len > region.iova + region.length) return false;
    let done = 0;
    while (done < len) {
      const rel = addr + done - region.iova + region.firstOffset;
      const page = Math.floor(rel / PAGE_SIZE);
      const inPage = rel - page * PAGE_SIZE;
      const chunk = Math.min(len - done, PAGE_SIZE - inPage);
      const base = region.pageDma[page];
      if (base === undefined || !this.dmaCopy(base + inPage, buf, pos + done, chunk, write, sources))
        return false;
      done += chunk;
    }
    return true;
  }

  /** Copy to/from DMA addresses, translating each page-sized piece through the IOMMU now. */
  private dmaCopy(
    dma: number,
    buf: Uint8Array,
    pos: number,
    len: number,
    write: boolean,
    sources: DmaSource[] | undefined,
  ): boolean {
    let done = 0;
    while (done < len) {
      const at = dma + done;
      let chunk = Math.min(len - done, PAGE_SIZE - (at % PAGE_SIZE));
      const phys = this.iommu.translate(at, chunk, write);
      if (phys === undefined) return false;
      const page = this.memory.pageAt(phys);
      if (page === undefined) return false;
      const inPage = phys - page.phys;
      chunk = Math.min(chunk, PAGE_SIZE - inPage);
      // Whole-buffer / whole-page copies skip the subarray view: this is the per-packet hot path.
      if (write) {
        page.bytes.set(chunk === buf.length ? buf : buf.subarray(pos + done, pos + done + chunk), inPage);
      } else {
        buf.set(chunk === PAGE_SIZE ? page.bytes : page.bytes.subarray(inPage, inPage + chunk), pos + done);
        sources?.push({ phys, length: chunk, owner: page.owner, generation: page.generation });
      }
      done += chunk;
    }
    return true;
  }

  private remoteRegion(rkey: number, access: AccessFlags): MappedRegion | undefined {
    const region = this.table.lookup(rkey);
    if (region === undefined || !region.valid || region.pdId !== this.pdId) return undefined;
    return (region.access & access) === access ? region : undefined;
  }

  checkRemote(rkey: number, va: number, length: number, access: AccessFlags): boolean {
    if (length === 0) return true; // rxe skips the rkey check for zero-length RDMA (check_rkey)
    const region = this.remoteRegion(rkey, access);
    return region !== undefined && va >= region.iova && va + length <= region.iova + region.length;
  }

  readRemote(rkey: number, va: number, dst: Uint8Array, sources: DmaSource[] | undefined): boolean {
    const region = this.remoteRegion(rkey, AccessFlags.REMOTE_READ);
    return region !== undefined && this.regionCopy(region, va, dst, 0, dst.length, false, sources);
  }

  writeRemote(rkey: number, va: number, src: Uint8Array): boolean {
    const region = this.remoteRegion(rkey, AccessFlags.REMOTE_WRITE);
    return region !== undefined && this.regionCopy(region, va, src, 0, src.length, true, undefined);
  }

  invalidateRemote(rkey: number): boolean {
    const region = this.table.lookup(rkey);
    return region instanceof SoftFastRegMr && region.pdId === this.pdId && region.invalidate(rkey);
  }

  registerFast(reg: NonNullable<SendWr['reg']>): WcStatus {
    const mr = reg.mr;
    if (!(mr instanceof SoftFastRegMr) || mr.pdId !== this.pdId || this.table.byIndex(mr.lkey >>> 8) !== mr) {
      return WcStatus.LOC_QP_OP_ERR;
    }
    return mr.register(reg.key, reg.access) ? WcStatus.SUCCESS : WcStatus.LOC_QP_OP_ERR;
  }

  invalidateLocal(key: number): WcStatus {
    const region = this.table.lookup(key);
    return region instanceof SoftFastRegMr && region.pdId === this.pdId && region.invalidate(key)
      ? WcStatus.SUCCESS
      : WcStatus.LOC_QP_OP_ERR;
  }
}
