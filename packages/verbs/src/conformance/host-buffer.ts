import { PAGE_SIZE, type Page } from '@rdmalab/kernel';
import type { AccessFlags } from '../constants/access-flags.js';
import type { Device, ProtectionDomain } from '../device.js';
import { type DmaAddress, DmaDirection } from '../dma.js';
import type { MemoryRegion } from '../memory-region.js';
import type { Sge } from '../work-request.js';

/**
 * Host pages a case reads and writes through the CPU view (`page.bytes`) while the device reaches them
 * by DMA. Offsets are buffer offsets; the pages need not be physically contiguous.
 */
export class HostPages {
  constructor(readonly pages: readonly Page[]) {}

  get size(): number {
    return this.pages.length * PAGE_SIZE;
  }

  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.#walk(offset, length, (page, at, pos, n) => out.set(page.bytes.subarray(at, at + n), pos));
    return out;
  }

  /** Fill the whole buffer with `value`, so bytes a transfer must not touch can be checked afterwards. */
  fill(value: number): void {
    for (const page of this.pages) page.bytes.fill(value);
  }

  write(offset: number, bytes: Uint8Array): void {
    this.#walk(offset, bytes.length, (page, at, pos, n) => page.bytes.set(bytes.subarray(pos, pos + n), at));
  }

  #walk(
    offset: number,
    length: number,
    visit: (page: Page, at: number, pos: number, n: number) => void,
  ): void {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(`host buffer: [${offset}, ${offset + length}) is outside its ${this.size} bytes`);
    }
    let pos = 0;
    while (pos < length) {
      const at = (offset + pos) % PAGE_SIZE;
      const page = this.pages[Math.floor((offset + pos) / PAGE_SIZE)]!;
      const n = Math.min(PAGE_SIZE - at, length - pos);
      visit(page, at, pos, n);
      pos += n;
    }
  }
}

/** Pages registered as one memory region (ibv_reg_mr): SGEs by lkey and iova, remote access by rkey. */
export class RegisteredBuffer extends HostPages {
  constructor(
    pages: readonly Page[],
    readonly mr: MemoryRegion,
  ) {
    super(pages);
  }

  static create(device: Device, pd: ProtectionDomain, bytes: number, access: AccessFlags, owner: string) {
    const pages = device.memory.allocPages(Math.max(1, Math.ceil(bytes / PAGE_SIZE)), owner);
    return new RegisteredBuffer(pages, pd.registerMr({ pages, access }));
  }

  sge(offset: number, length: number): Sge {
    return { addr: this.mr.iova + offset, length, lkey: this.mr.lkey };
  }

  remote(offset: number): { remoteAddr: number; rkey: number } {
    return { remoteAddr: this.mr.iova + offset, rkey: this.mr.rkey };
  }
}

/**
 * One page DMA-mapped with `device.dma.mapPage` and addressed with the PD's `localDmaLkey` — how
 * xprtrdma builds its Send SGEs. CPU writes are synced for the device, device writes for the CPU.
 */
export class MappedPage extends HostPages {
  readonly address: DmaAddress;

  constructor(
    private readonly device: Device,
    private readonly pd: ProtectionDomain,
    page: Page,
    private readonly direction: DmaDirection,
  ) {
    super([page]);
    this.address = device.dma.mapPage(page, 0, PAGE_SIZE, direction);
  }

  static create(device: Device, pd: ProtectionDomain, direction: DmaDirection, owner: string): MappedPage {
    return new MappedPage(device, pd, device.memory.alloc(owner), direction);
  }

  sge(offset: number, length: number): Sge {
    return { addr: this.address + offset, length, lkey: this.pd.localDmaLkey };
  }

  override write(offset: number, bytes: Uint8Array): void {
    super.write(offset, bytes);
    this.device.dma.syncForDevice(this.address + offset, bytes.length, this.direction);
  }

  override read(offset: number, length: number): Uint8Array {
    if (this.direction !== DmaDirection.TO_DEVICE) {
      this.device.dma.syncForCpu(this.address + offset, length, this.direction);
    }
    return super.read(offset, length);
  }
}

/** Deterministic, position- and seed-dependent bytes, so a misplaced or repeated chunk shows. */
export function patternBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 131 + seed * 29 + (i >> 8) * 7 + 1) & 0xff;
  return out;
}
