import { describe, expect, it } from 'vitest';
import { TransmissionLog } from '../src/tap/transmission-log.js';

describe('TransmissionLog', () => {
  it('finds entries by PSN and hands them back oldest first, across compactions', () => {
    const log = new TransmissionLog<{ psn: number; n: number }>();
    for (let n = 0; n < 3000; n++) log.push({ psn: (0xfff000 + n) & 0xffffff, n });
    for (let n = 0; n < 2000; n++) expect(log.shift()?.n).toBe(n);
    expect(log.size).toBe(1000);
    expect(log.get(0xfff000)).toBeUndefined();
    expect(log.get((0xfff000 + 2500) & 0xffffff)?.n).toBe(2500);
    expect(log.oldest()?.n).toBe(2000);
    while (log.shift() !== undefined);
    expect(log.size).toBe(0);
    log.push({ psn: 5, n: 1 });
    expect(log.get(5)?.n).toBe(1);
  });

  it('a PSN sent again after an older entry of it: forgetting the older keeps the newer findable', () => {
    const log = new TransmissionLog<{ psn: number; n: number }>();
    log.push({ psn: 7, n: 1 });
    log.push({ psn: 8, n: 2 });
    log.push({ psn: 7, n: 3 }); // e.g. the QP was reset and its PSNs started over
    expect(log.shift()?.n).toBe(1);
    expect(log.get(7)?.n).toBe(3);
  });
});
