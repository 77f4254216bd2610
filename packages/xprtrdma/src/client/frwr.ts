import { PAGE_SIZE, type Page } from '@rdmalab/kernel';
import {
  AccessFlags,
  type Device,
  type DmaAddress,
  DmaDirection,
  type FastRegMr,
  type ProtectionDomain,
  SendFlags,
  type SendWr,
  WrOpcode,
} from '@rdmalab/verbs';
import type { RdmaSegment } from '../protocol/chunks.js';

/** One FRWR registration: the MR, its page mappings, and the segment it advertises. */
export interface RegisteredMr {
  readonly mr: FastRegMr;
  readonly addrs: readonly DmaAddress[];
  readonly direction: DmaDirection;
  readonly segment: RdmaSegment;
  /** The peer invalidated it with Send With Invalidate. */
  remotelyInvalidated: boolean;
}

/**
 * FRWR memory registration (net/sunrpc/xprtrdma/frwr_ops.c): a pool of fast-registration MRs per
 * connection. Registering DMA-maps the pages, sets the MR's page list, bumps its key so stale
 * rkeys stop working, and yields the REG_MR WR to chain before the Send.
 */
export class FrwrPool {
  private readonly free: FastRegMr[] = [];
  /** Registrations handed out and not yet recycled or orphaned (rl_registered across requests). */
  private readonly inUse = new Set<RegisteredMr>();
  private variant = 0;
  private created = 0;
  readonly maxPages: number;

  constructor(
    private readonly device: Device,
    private readonly pd: ProtectionDomain,
    count: number,
  ) {
    this.maxPages = Math.min(device.attrs.maxFastRegPageListLen, 256);
    this.grow(count);
  }

  get available(): number {
    return this.free.length;
  }

  /** MRs this pool has created (and not destroyed at teardown). */
  get total(): number {
    return this.created;
  }

  /**
   * Create up to `count` more MRs (rpcrdma_mrs_create): stops early when the device refuses one
   * (max_mr reached), as the kernel's loop does when frwr_mr_init fails. Returns how many exist now.
   */
  grow(count: number): number {
    let made = 0;
    for (; made < count; made++) {
      try {
        this.free.push(this.pd.allocFastRegMr(this.maxPages));
      } catch (error) {
        if (made === 0 && this.created === 0) throw error;
        break;
      }
    }
    this.created += made;
    return made;
  }

  /** MRs needed to register [base, base + length) of `pages`. */
  mrsNeeded(base: number, length: number): number {
    if (length === 0) return 0;
    const first = Math.floor(base / PAGE_SIZE);
    const last = Math.floor((base + length - 1) / PAGE_SIZE);
    return Math.ceil((last - first + 1) / this.maxPages);
  }

  /**
   * Register [base, base + length) of `pages` for the peer: `remoteWrite` for a write or reply
   * chunk (the peer RDMA-Writes), otherwise remote read (a read chunk). Returns the registrations
   * and the REG_MR WRs, or null when the pool has too few MRs (the caller tries again later).
   * Throws DmaMappingError when a page cannot be mapped, after undoing what it mapped.
   */
  register(
    pages: readonly Page[],
    base: number,
    length: number,
    remoteWrite: boolean,
  ): { regs: RegisteredMr[]; wrs: SendWr[] } | null {
    const needed = this.mrsNeeded(base, length);
    if (needed > this.free.length) return null;
    const direction = remoteWrite ? DmaDirection.FROM_DEVICE : DmaDirection.TO_DEVICE;
    const access = remoteWrite ? AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE : AccessFlags.REMOTE_READ;
    const regs: RegisteredMr[] = [];
    const wrs: SendWr[] = [];
    let pos = base;
    let left = length;
    try {
      while (left > 0) {
        const firstIndex = Math.floor(pos / PAGE_SIZE);
        const firstOffset = pos - firstIndex * PAGE_SIZE;
        const span = Math.min(left, this.maxPages * PAGE_SIZE - firstOffset);
        const lastIndex = Math.floor((pos + span - 1) / PAGE_SIZE);
        const addrs: DmaAddress[] = [];
        try {
          for (let i = firstIndex; i <= lastIndex; i++)
            addrs.push(this.device.dma.mapPage(pages[i]!, 0, PAGE_SIZE, direction));
        } catch (error) {
          for (const a of addrs) this.device.dma.unmapPage(a, PAGE_SIZE, direction);
          throw error;
        }
        const mr = this.free.pop()!;
        this.variant = (this.variant + 1) & 0xff;
        mr.updateKey(this.variant);
        mr.mapSg(addrs, firstOffset, span);
        const reg: RegisteredMr = {
          mr,
          addrs,
          direction,
          segment: { handle: mr.rkey, length: span, offset: mr.iova },
          remotelyInvalidated: false,
        };
        regs.push(reg);
        this.inUse.add(reg);
        wrs.push({
          wrId: 0,
          opcode: WrOpcode.REG_MR,
          sgList: [],
          flags: SendFlags.NONE,
          reg: { mr, key: mr.rkey, access },
        });
        pos += span;
        left -= span;
      }
    } catch (error) {
      for (const r of regs) this.releaseUnposted(r);
      throw error;
    }
    return { regs, wrs };
  }

  /** A registration whose REG_MR was never posted: unmap and return the MR. */
  releaseUnposted(reg: RegisteredMr): void {
    if (!this.inUse.delete(reg)) return;
    this.unmap(reg);
    this.free.push(reg.mr);
  }

  /** The LOCAL_INV WR for `reg`. */
  localInvWr(reg: RegisteredMr): SendWr {
    return {
      wrId: 0,
      opcode: WrOpcode.LOCAL_INV,
      sgList: [],
      flags: SendFlags.NONE,
      invalidateRkey: reg.mr.rkey,
    };
  }

  /** The MR is invalid (locally or remotely): unmap its pages and return it to the pool. */
  recycle(reg: RegisteredMr): void {
    if (!this.inUse.delete(reg)) return;
    this.unmap(reg);
    this.free.push(reg.mr);
  }

  /** After a connection loss an MR's state is unknown: unmap its pages and drop it (recreated on connect). */
  orphan(reg: RegisteredMr): void {
    if (!this.inUse.delete(reg)) return;
    this.created--;
    this.unmap(reg);
    reg.mr.deregister();
  }

  private unmap(reg: RegisteredMr): void {
    for (const a of reg.addrs) this.device.dma.unmapPage(a, PAGE_SIZE, reg.direction);
  }

  /** Registrations still held by requests (not recycled or orphaned). */
  get registered(): number {
    return this.inUse.size;
  }

  /**
   * Deregister every MR this pool created (rpcrdma_mrs_destroy): the free ones and any a request
   * still holds, so the PD can be deallocated. Returns how many were still held.
   */
  destroy(): number {
    const held = this.inUse.size;
    for (const reg of [...this.inUse]) this.orphan(reg);
    for (const mr of this.free.splice(0)) mr.deregister();
    this.created = 0;
    return held;
  }
}
