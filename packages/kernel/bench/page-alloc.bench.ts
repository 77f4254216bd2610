import { bench, describe } from 'vitest';
import { PAGE_SIZE, PhysicalMemory } from '../src/index.js';

/** Each bench iteration does this many alloc+free pairs; pairs/s = hz * PAIRS_PER_RUN. */
const PAIRS_PER_RUN = 10_000;
const mem = new PhysicalMemory({ totalPages: 1024 });
// Reads land in a shared array so the engine cannot drop the page accesses as dead code.
const sink = new Float64Array(1);

describe(`${PAIRS_PER_RUN} page alloc+free pairs`, () => {
  bench('PhysicalMemory.alloc + free (LIFO free stack)', () => {
    for (let i = 0; i < PAIRS_PER_RUN; i++) {
      const page = mem.alloc('bench');
      page.bytes[i & (PAGE_SIZE - 1)] = i;
      sink[0]! += page.bytes[0]!;
      mem.free(page);
    }
  });
  bench('new Uint8Array(4096) per use (left to the GC)', () => {
    for (let i = 0; i < PAIRS_PER_RUN; i++) {
      const bytes = new Uint8Array(PAGE_SIZE);
      bytes[i & (PAGE_SIZE - 1)] = i;
      sink[0]! += bytes[0]!;
    }
  });
});
