import { describe, expect, it } from 'vitest';
import { MemoryError, PAGE_SIZE, PhysicalMemory } from '../src/index.js';

const code = (c: string) => expect.objectContaining({ code: c });

describe('PhysicalMemory', () => {
  it('hands out pages in address order, with physical addresses from the base', () => {
    const mem = new PhysicalMemory({ totalPages: 8, slabPages: 3, basePhys: 0x200000 });
    const [a, b] = mem.allocPages(2, 'rq');
    expect(a!.phys).toBe(0x200000);
    expect(b!.phys).toBe(0x200000 + PAGE_SIZE);
    expect(a!.pfn).toBe(0x200);
    expect(a!.bytes.length).toBe(PAGE_SIZE);
    expect(mem.allocatedPages).toBe(2);
    expect(mem.freePages).toBe(6);
  });

  it('reuses the most recently freed page first (LIFO), bumping generation', () => {
    const mem = new PhysicalMemory({ totalPages: 16 });
    const pages = mem.allocPages(4, 'a');
    mem.free(pages[1]!);
    mem.free(pages[3]!);
    mem.free(pages[0]!);
    const gen = pages[0]!.generation;
    expect(mem.alloc('b')).toBe(pages[0]);
    expect(pages[0]!.generation).toBe(gen + 1);
    expect(mem.alloc('b')).toBe(pages[3]);
    expect(mem.alloc('b')).toBe(pages[1]);
    expect(mem.alloc('b').phys).toBe(mem.basePhys + 4 * PAGE_SIZE);
  });

  it('keeps the old contents on reuse, so a stale reader sees the next owner data', () => {
    const mem = new PhysicalMemory({ totalPages: 4 });
    const p = mem.alloc('send-buf');
    const phys = p.phys;
    mem.free(p);
    const q = mem.alloc('file-data');
    q.bytes.fill(0xab);
    expect(mem.read(phys, 4)).toEqual(new Uint8Array([0xab, 0xab, 0xab, 0xab]));
  });

  it('tracks owner tags and rejects setOwner on a free page', () => {
    const mem = new PhysicalMemory({ totalPages: 2 });
    const p = mem.alloc('rpc 0x1');
    expect(p.owner).toBe('rpc 0x1');
    expect(p.allocated).toBe(true);
    mem.setOwner(p, 'pagecache ino 7');
    expect(mem.pageAt(p.phys + 100)?.owner).toBe('pagecache ino 7');
    mem.free(p);
    expect(p.owner).toBeNull();
    expect(p.allocated).toBe(false);
    expect(() => mem.setOwner(p, 'x')).toThrow(code('EINVAL'));
    expect(() => mem.alloc('')).toThrow(code('EINVAL'));
  });

  it('fails with ENOMEM when empty, and allocPages is all-or-nothing', () => {
    const mem = new PhysicalMemory({ totalPages: 3 });
    mem.alloc('a');
    expect(() => mem.allocPages(3, 'b')).toThrow(code('ENOMEM'));
    expect(mem.freePages).toBe(2);
    mem.allocPages(2, 'b');
    expect(() => mem.alloc('c')).toThrow(MemoryError);
    expect(() => mem.alloc('c')).toThrow(code('ENOMEM'));
  });

  it('detects a double free and a foreign page without corrupting the free list', () => {
    const mem = new PhysicalMemory({ totalPages: 4 });
    const other = new PhysicalMemory({ totalPages: 4 });
    const p = mem.alloc('a');
    mem.free(p);
    expect(() => mem.free(p)).toThrow(code('EDOUBLEFREE'));
    const foreign = other.alloc('x');
    expect(() => mem.free(foreign)).toThrow(code('EFOREIGN'));
    expect(() => mem.setOwner(foreign, 'y')).toThrow(code('EFOREIGN'));
    expect(foreign.allocated).toBe(true);
    expect(mem.freePages).toBe(4);
    const got = mem.allocPages(4, 'b');
    expect(new Set(got).size).toBe(4);
    expect(() => mem.alloc('c')).toThrow(code('ENOMEM'));
  });

  it('reads and writes across page and slab boundaries', () => {
    const mem = new PhysicalMemory({ totalPages: 6, slabPages: 2 });
    const src = Uint8Array.from({ length: 3 * PAGE_SIZE }, (_, i) => (i * 7) & 0xff);
    const at = mem.basePhys + PAGE_SIZE - 10;
    mem.write(at, src);
    expect(mem.read(at, src.length)).toEqual(src);
    const page2 = mem.pageAt(mem.basePhys + 2 * PAGE_SIZE)!;
    expect(page2.bytes[0]).toBe(src[PAGE_SIZE + 10]);
    const dst = new Uint8Array(20);
    mem.read(at, 20, dst);
    expect(dst).toEqual(src.subarray(0, 20));
  });

  it('faults on any access outside memory', () => {
    const mem = new PhysicalMemory({ totalPages: 2 });
    const end = mem.basePhys + 2 * PAGE_SIZE;
    expect(() => mem.read(end - 4, 5)).toThrow(code('EFAULT'));
    expect(() => mem.read(mem.basePhys - 1, 1)).toThrow(code('EFAULT'));
    expect(() => mem.write(end, new Uint8Array(1))).toThrow(code('EFAULT'));
    expect(() => mem.read(mem.basePhys, 8, new Uint8Array(4))).toThrow(code('EINVAL'));
    expect(mem.pageAt(end)).toBeUndefined();
    expect(mem.pageAt(0)).toBeUndefined();
    expect(mem.read(end - 4, 4)).toHaveLength(4);
  });

  it('rejects bad options', () => {
    expect(() => new PhysicalMemory({ totalPages: 0 })).toThrow(code('EINVAL'));
    expect(() => new PhysicalMemory({ totalPages: 1, basePhys: 100 })).toThrow(code('EINVAL'));
  });
});
