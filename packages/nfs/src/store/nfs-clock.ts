import type { NfsTime } from '../codec/types.js';

/**
 * Wall-clock nfstime3 that never repeats: each call returns a time at least 1 ns after the last,
 * so every change moves mtime/ctime and a client's close-to-open check sees it even within one
 * millisecond.
 */
export class NfsClock {
  private lastNs = 0n;

  now(): NfsTime {
    let ns = BigInt(Date.now()) * 1_000_000n;
    if (ns <= this.lastNs) ns = this.lastNs + 1n;
    this.lastNs = ns;
    return { seconds: Number(ns / 1_000_000_000n), nseconds: Number(ns % 1_000_000_000n) };
  }
}
