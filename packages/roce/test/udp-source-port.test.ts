import { describe, expect, it } from 'vitest';
import { GOLDEN_RATIO_32, hash32, rxeUdpSourcePort } from '../src/index.js';

// Oracle in exact integer arithmetic: hash_32(val, bits) = ((val * GOLDEN_RATIO_32) mod 2^32) >> (32 - bits).
function hash32Oracle(value: number, bits: number): number {
  return Number(((BigInt(value) * 0x61c88647n) & 0xffffffffn) >> BigInt(32 - bits));
}

describe('rxe UDP source port', () => {
  it('uses the kernel GOLDEN_RATIO_32 constant', () => {
    expect(GOLDEN_RATIO_32).toBe(0x61c88647);
  });

  it('matches exact 32-bit arithmetic for large QPNs where float multiplication would lose bits', () => {
    for (const qpn of [0, 1, 17, 0x11, 0x1234, 0xabcdef, 0xffffff]) {
      expect(hash32(qpn, 14)).toBe(hash32Oracle(qpn, 14));
    }
    // The naive JS product of the largest QPN exceeds 2^53: it would give a different answer.
    expect(Number(BigInt(0xffffff) * 0x61c88647n)).toBeGreaterThan(2 ** 53);
  });

  it('lands every QP in 0xC000..0xFFFF, fixed per QP', () => {
    expect(rxeUdpSourcePort(17)).toBe(0xc000 + hash32Oracle(17, 14));
    expect(rxeUdpSourcePort(1)).toBe(0xc000 + 0x1872); // 0x61c88647 >> 18
    for (let qpn = 0; qpn < 5000; qpn += 7) {
      const port = rxeUdpSourcePort(qpn);
      expect(port).toBeGreaterThanOrEqual(0xc000);
      expect(port).toBeLessThanOrEqual(0xffff);
    }
  });

  it('rejects a QPN wider than 24 bits', () => {
    expect(() => rxeUdpSourcePort(0x1000000)).toThrow(/EINVAL: qpn/);
  });
});
