import type { Device } from '../device.js';
import type { ConformanceCaseName } from './case-names.js';

/**
 * How a backend frees Send Queue slots of unsignaled WRs:
 * - `signaled-only` (mlx5): an unsignaled WR's slot is freed only when the completion of a later
 *   signaled WR is reaped (polled, or delivered by the callback poller); a QP that never signals fills up.
 * - `each` (rxe): every WR's slot is freed when the WR completes, signaled or not.
 */
export type SqRetirement = 'signaled-only' | 'each';

/** The two hosts of a harness. */
export type ConformanceSide = 'a' | 'b';

/** One host of the two-host fabric a case runs on. */
export interface ConformanceHost {
  /** The host's RDMA device; the kit allocates PDs, CQs, QPs and memory through it only. */
  readonly device: Device;
  /** The device's IPv4 address (GID ::ffff:ip): the peer's QP puts it in its address vector. */
  readonly ip: string;
}

/**
 * Network fault hooks for the cases that need them (`ack-loss-retransmission`, `retry-exceeded`,
 * `transient-partition-recovers`). A backend without them leaves `faults` undefined and declares those
 * cases unsupported.
 */
export interface ConformanceFaults {
  /**
   * Drop positive ACKs (BTH opcode RC ACKNOWLEDGE with an ACK syndrome — not NAKs, not READ responses)
   * that host `from` transmits: the next `count` of them, or all of them for `forMs` of backend time
   * from now; with both, whichever ends first.
   */
  dropAcksFrom(from: ConformanceSide, options: { count?: number; forMs?: number }): void;
  /** Drop every packet between the two hosts, in both directions, for `forMs` of backend time from now. */
  blackhole(forMs: number): void;
}

/**
 * One fresh two-host fabric for one case. The kit builds everything else itself with the verbs
 * contract — PDs, CQs, RC QPs connected by modify-QP (RESET→INIT→RTR→RTS, as ibv_rc_pingpong does),
 * memory from `device.memory`, `device.dma.mapPage`, `pd.registerMr` — so every backend is exercised
 * through exactly the same calls.
 */
export interface ConformanceHarness {
  readonly a: ConformanceHost;
  readonly b: ConformanceHost;
  /**
   * Let backend time pass until `predicate()` is true. Check it first (no time passes if it already
   * holds), then after every event. Virtual time: dispatch scheduler events (draining microtasks between
   * them) until it holds, or `timeoutMs` of virtual time has passed, or nothing is left to run. Real
   * time: wait, re-checking, up to `timeoutMs`. Resolve `true` if it held, `false` otherwise — the kit
   * turns `false` into a failure that says what it was waiting for; the kit also calls
   * `settle(() => false, { timeoutMs })` simply to let time pass.
   */
  settle(predicate: () => boolean, options: { timeoutMs: number }): Promise<boolean>;
  readonly faults?: ConformanceFaults;
  /** Tear the fabric down (timers, sockets). Called after each case, pass or fail. */
  dispose(): Promise<void> | void;
}

/**
 * What a backend hands the kit: its name, its static properties, and a factory of fresh harnesses
 * (one per case, so no fault, QP or timer leaks from one case into the next).
 */
export interface ConformanceBackend {
  /** Shown in every test title and failure message, e.g. `'hca-sim'`, `'rxe'`. */
  readonly name: string;
  /** The Send Queue retirement model: `unsignaled-retirement` asserts this one. */
  readonly sqRetirement: SqRetirement;
  /** Cases this backend does not support, each with the reason; reported as skipped with the reason. */
  readonly unsupported?: Readonly<Partial<Record<ConformanceCaseName, string>>>;
  createHarness(): Promise<ConformanceHarness> | ConformanceHarness;
}
