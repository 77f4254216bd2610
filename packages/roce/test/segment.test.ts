import { describe, expect, it } from 'vitest';
import {
  IbMtu,
  mtuBytes,
  mtuFromBytes,
  padCount,
  RoceEncodeError,
  segment,
  segmentCount,
} from '../src/index.js';

describe('MTU', () => {
  it('maps the IB MTU enum 1..5 to 256..4096 bytes', () => {
    expect([1, 2, 3, 4, 5].map((m) => mtuBytes(m as IbMtu))).toEqual([256, 512, 1024, 2048, 4096]);
    expect(() => mtuBytes(6 as IbMtu)).toThrow(RoceEncodeError);
  });

  it('derives IB MTU 1024 from a 1500-byte netdev as rxe does (1500 - 80 headers)', () => {
    expect(mtuFromBytes(1500 - 80)).toBe(IbMtu.MTU_1024);
    expect(mtuFromBytes(9000 - 80)).toBe(IbMtu.MTU_4096);
    expect(mtuFromBytes(200)).toBeUndefined();
  });
});

describe('segment', () => {
  it('cuts FIRST/MIDDLE to exactly the MTU and leaves 1..MTU for LAST', () => {
    expect(segment(2500, IbMtu.MTU_1024)).toEqual([1024, 1024, 452]);
    expect(segment(2048, IbMtu.MTU_1024)).toEqual([1024, 1024]);
    expect(segment(2049, IbMtu.MTU_1024)).toEqual([1024, 1024, 1]);
  });

  it('sends a zero-length or MTU-sized message as one ONLY packet', () => {
    expect(segment(0, IbMtu.MTU_4096)).toEqual([0]);
    expect(segment(4096, IbMtu.MTU_4096)).toEqual([4096]);
    expect(segmentCount(0, IbMtu.MTU_256)).toBe(1);
  });

  it('counts the PSNs an RDMA READ of 1 MiB consumes at MTU 4096', () => {
    expect(segmentCount(1 << 20, IbMtu.MTU_4096)).toBe(256);
  });

  it('sums back to the message length for every MTU', () => {
    for (const mtu of [1, 2, 3, 4, 5] as IbMtu[]) {
      for (const len of [1, 255, 256, 257, 10_000, 65_537]) {
        const parts = segment(len, mtu);
        expect(parts.reduce((a, b) => a + b, 0)).toBe(len);
        expect(parts.slice(0, -1).every((p) => p === mtuBytes(mtu))).toBe(true);
        expect(parts.at(-1)).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('rejects negative, fractional and > 2^31 lengths with EINVAL', () => {
    for (const bad of [-1, 1.5, 2 ** 31 + 1]) {
      expect(() => segment(bad, IbMtu.MTU_1024)).toThrow(/EINVAL: messageLength/);
    }
  });
});

describe('padCount', () => {
  it('pads payloads to a multiple of 4', () => {
    expect([0, 1, 2, 3, 4, 5, 4095].map(padCount)).toEqual([0, 3, 2, 1, 0, 3, 1]);
  });
});
