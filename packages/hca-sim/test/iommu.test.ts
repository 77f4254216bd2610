import { createRandom, PhysicalMemory, VirtualScheduler } from '@rdmalab/kernel';
import { DmaDirection, DmaMappingError, VerbsError } from '@rdmalab/verbs';
import { describe, expect, it } from 'vitest';
import type { DmaFault } from '../src/iommu/dma-fault.js';
import { MapFailureInjector } from '../src/iommu/map-failure-injector.js';
import { PassthroughIommu } from '../src/iommu/passthrough-iommu.js';
import { STRICT_IOVA_BASE, StrictIommu } from '../src/iommu/strict-iommu.js';

describe('StrictIommu', () => {
  it('maps into IOVA space, translates while mapped, faults after unmap', () => {
    const faults: DmaFault[] = [];
    const iommu = new StrictIommu({ onFault: (f) => faults.push(f) });
    const dma = iommu.map(0x100_0010, 100, DmaDirection.TO_DEVICE);
    expect(dma).toBeGreaterThanOrEqual(STRICT_IOVA_BASE);
    expect(dma % 4096).toBe(0x10);
    expect(iommu.translate(dma + 4, 50, false)).toBe(0x100_0014);
    expect(iommu.mappedCount).toBe(1);
    iommu.unmap(dma, 100);
    expect(iommu.mappedCount).toBe(0);
    expect(iommu.translate(dma, 100, false)).toBeUndefined();
    expect(faults).toEqual([{ dma, length: 100, write: false, reason: 'unmapped', faulted: true }]);
  });

  it('never reuses an IOVA, so a stale address faults even after the page is mapped again', () => {
    const iommu = new StrictIommu();
    const first = iommu.map(0x200_0000, 4096, DmaDirection.TO_DEVICE);
    iommu.unmap(first, 4096);
    const second = iommu.map(0x200_0000, 4096, DmaDirection.TO_DEVICE);
    expect(second).not.toBe(first);
    expect(iommu.translate(first, 16, false)).toBeUndefined();
    expect(iommu.translate(second, 16, false)).toBe(0x200_0000);
  });

  it('enforces direction and whole-range coverage', () => {
    const faults: DmaFault[] = [];
    const iommu = new StrictIommu({ onFault: (f) => faults.push(f) });
    const dma = iommu.map(0x300_0000, 4096, DmaDirection.TO_DEVICE);
    expect(iommu.translate(dma, 16, true)).toBeUndefined();
    expect(iommu.translate(dma + 4000, 200, false)).toBeUndefined();
    expect(faults.map((f) => f.reason)).toEqual(['direction', 'unmapped']);
    const both = iommu.map(0x400_0000, 8192, DmaDirection.BIDIRECTIONAL);
    expect(iommu.translate(both + 4000, 200, true)).toBe(0x400_0000 + 4000);
  });

  it('rejects a bad unmap and bad arguments with VerbsError EINVAL', () => {
    const iommu = new StrictIommu();
    const dma = iommu.map(0x500_0000, 64, DmaDirection.TO_DEVICE);
    expect(() => iommu.unmap(dma, 65)).toThrow(/mapped with length 64/);
    expect(() => iommu.unmap(dma + 1, 64)).toThrow(VerbsError);
    expect(() => iommu.map(-1, 64, DmaDirection.TO_DEVICE)).toThrow(/phys -1/);
    expect(() => iommu.map(0, 0, DmaDirection.TO_DEVICE)).toThrow(/length 0/);
  });
});

describe('PassthroughIommu', () => {
  it('uses physical addresses and lets a stale access through, naming the page owner now', () => {
    const memory = new PhysicalMemory({ totalPages: 4 });
    const stale: DmaFault[] = [];
    const iommu = new PassthroughIommu({ memory, onStaleAccess: (a) => stale.push(a) });
    const page = memory.alloc('rpc-send-buffer');
    const dma = iommu.map(page.phys, 4096, DmaDirection.TO_DEVICE);
    expect(dma).toBe(page.phys);
    expect(iommu.translate(dma, 4096, false)).toBe(page.phys);
    expect(stale).toEqual([]);
    iommu.unmap(dma, 4096);
    memory.free(page);
    memory.alloc('tenant-b');
    expect(iommu.translate(dma, 4096, false)).toBe(page.phys);
    expect(stale).toEqual([
      { dma, length: 4096, write: false, reason: 'unmapped', faulted: false, owner: 'tenant-b' },
    ]);
  });

  it('counts mappings and refuses an unmap of something never mapped', () => {
    const iommu = new PassthroughIommu();
    iommu.map(0x1000, 10, DmaDirection.TO_DEVICE);
    iommu.map(0x1000, 10, DmaDirection.TO_DEVICE);
    expect(iommu.mappedCount).toBe(2);
    iommu.unmap(0x1000, 10);
    iommu.unmap(0x1000, 10);
    expect(() => iommu.unmap(0x1000, 10)).toThrow(/not a live mapping/);
  });
});

describe('map failure injection', () => {
  it('fails the nth map call and count calls after it, through either model', () => {
    const clock = new VirtualScheduler();
    const failures = new MapFailureInjector(clock, createRandom(1));
    failures.add({ nth: 2, count: 1 });
    const iommu = new StrictIommu({ failures });
    iommu.map(0x1000, 8, DmaDirection.TO_DEVICE);
    expect(() => iommu.map(0x2000, 8, DmaDirection.TO_DEVICE)).toThrow(DmaMappingError);
    iommu.map(0x3000, 8, DmaDirection.TO_DEVICE);
    expect(failures.calls).toBe(3);
    expect(failures.failures).toBe(1);
    expect(iommu.mappedCount).toBe(2);
  });

  it('fails only inside its virtual-time window', () => {
    const clock = new VirtualScheduler();
    const failures = new MapFailureInjector(clock, createRandom(1));
    failures.add({ window: { startNs: 1000, endNs: 2000 } });
    const iommu = new PassthroughIommu({ failures });
    iommu.map(0x1000, 8, DmaDirection.TO_DEVICE);
    clock.runUntil(1500);
    expect(() => iommu.map(0x1000, 8, DmaDirection.TO_DEVICE)).toThrow(/injected failure/);
    clock.runUntil(2000);
    expect(iommu.map(0x1000, 8, DmaDirection.TO_DEVICE)).toBe(0x1000);
  });
});
