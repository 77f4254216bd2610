import type { AccessFlags } from '../constants/access-flags.js';
import { DmaDirection } from '../dma.js';
import { ConformanceError } from './errors.js';
import type { ConformanceBackend, ConformanceFaults, ConformanceHarness } from './harness.js';
import { MappedPage, RegisteredBuffer } from './host-buffer.js';
import { connectRcPair, type RcEndpoint, type RcPair, type RcPairOptions } from './rc-pair.js';

/** Backend time a wait may take before the case fails (generous: real backends need real time). */
export const DEFAULT_WAIT_MS = 2_000;

export interface WaitOptions {
  timeoutMs?: number;
  /**
   * Poll the pairs' poll-mode CQs before each check (default true). A case about Send Queue retirement
   * turns it off, because under `signaled-only` reaping a completion is what frees the slots.
   */
  reap?: boolean;
}

/** What a case gets: the backend, its harness, and the operations every case needs. */
export class CaseContext {
  readonly #pairs: RcPair[] = [];
  #buffers = 0;

  constructor(
    readonly backend: ConformanceBackend,
    readonly harness: ConformanceHarness,
  ) {}

  /** A connected RC pair between host a and host b (see {@link connectRcPair}). */
  connect(options: RcPairOptions = {}): RcPair {
    const pair = connectRcPair(this.harness, options);
    this.track(pair);
    return pair;
  }

  /** Include a pair built by hand in failure messages and reaping. */
  track(pair: RcPair): void {
    this.#pairs.push(pair);
  }

  /** The harness's fault hooks; EOPNOTSUPP naming the case's way out if there are none. */
  get faults(): ConformanceFaults {
    const faults = this.harness.faults;
    if (!faults) {
      throw new ConformanceError(
        'EOPNOTSUPP',
        `backend "${this.backend.name}" provides no harness.faults; declare this case in "unsupported" with a reason`,
      );
    }
    return faults;
  }

  /**
   * Let backend time pass until `predicate()` holds; fail with ETIMEDOUT naming `what` and every
   * completion seen so far when the harness gives up.
   */
  async waitFor(what: string, predicate: () => boolean, options: WaitOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    const reap = options.reap ?? true;
    const check = () => {
      if (reap) for (const pair of this.#pairs) pair.reap();
      return predicate();
    };
    const held = await this.harness.settle(check, { timeoutMs });
    if (!held) throw this.timeoutError(what, timeoutMs);
  }

  /** Wait until `log` of `endpoint` holds at least `count` completions. */
  async waitForCompletions(
    endpoint: RcEndpoint,
    which: 'sends' | 'recvs',
    count: number,
    options?: WaitOptions,
  ) {
    const log = endpoint[which];
    await this.waitFor(`${count} completion(s) on ${log.label}`, () => log.entries.length >= count, options);
  }

  /** Let `ms` of backend time pass (the harness's settle with a predicate that never holds). */
  async elapse(ms: number, options: { reap?: boolean } = {}): Promise<void> {
    const reap = options.reap ?? true;
    await this.harness.settle(
      () => {
        if (reap) for (const pair of this.#pairs) pair.reap();
        return false;
      },
      { timeoutMs: ms },
    );
    if (reap) for (const pair of this.#pairs) pair.reap();
  }

  /** Pages of `endpoint`'s host registered as one MR. */
  registered(endpoint: RcEndpoint, bytes: number, access: AccessFlags): RegisteredBuffer {
    return RegisteredBuffer.create(endpoint.device, endpoint.pd, bytes, access, this.#owner(endpoint));
  }

  /** One page of `endpoint`'s host DMA-mapped for the PD's localDmaLkey. */
  mapped(endpoint: RcEndpoint, direction: DmaDirection = DmaDirection.BIDIRECTIONAL): MappedPage {
    return MappedPage.create(endpoint.device, endpoint.pd, direction, this.#owner(endpoint));
  }

  #owner(endpoint: RcEndpoint): string {
    return `conformance:${endpoint.side}:buf${this.#buffers++}`;
  }

  timeoutError(what: string, timeoutMs: number): ConformanceError {
    const state = this.#pairs.map((pair, i) => `pair ${i}: ${pair.describe()}`).join(' | ');
    return new ConformanceError(
      'ETIMEDOUT',
      `[${this.backend.name}] waited ${timeoutMs} ms of backend time for ${what}, but it did not happen` +
        (state ? `. Seen so far — ${state}` : ''),
    );
  }
}
