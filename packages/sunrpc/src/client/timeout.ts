/**
 * Retransmission timing of one call, after the kernel's `struct rpc_timeout` and
 * xprt_adjust_timeout(): each expiry before `retries` is a minor timeout (retransmit, same xid,
 * longer timeout); the next one is a major timeout (soft: fail ETIMEDOUT; hard: start over).
 */
export interface RpcTimeoutOptions {
  /** First timeout (to_initval), ns. */
  readonly initialNs: number;
  /** Upper bound of the timeout (to_maxval), ns. */
  readonly maxNs: number;
  /** Added per minor timeout when not exponential (to_increment), ns. */
  readonly incrementNs: number;
  /** Double per minor timeout instead of adding (to_exponential). */
  readonly exponential: boolean;
  /** Minor timeouts before a major one (to_retries). */
  readonly retries: number;
  /** On a major timeout: fail with ETIMEDOUT (soft) or keep retrying (hard). */
  readonly soft: boolean;
}

/** 5 s growing by 5 s to 60 s, 2 retransmissions, soft — close to the kernel's TCP defaults scaled for RPC use. */
export const DEFAULT_RPC_TIMEOUT: RpcTimeoutOptions = Object.freeze({
  initialNs: 5e9,
  maxNs: 60e9,
  incrementNs: 5e9,
  exponential: false,
  retries: 2,
  soft: true,
});

export type TimeoutOutcome = 'minor' | 'major';

/** The running timeout of one request. */
export class RetransmitTimeout {
  private currentNs: number;
  private minors = 0;

  constructor(readonly options: RpcTimeoutOptions) {
    this.currentNs = options.initialNs;
  }

  /** The timeout to arm for the next transmission. */
  get timeoutNs(): number {
    return this.currentNs;
  }

  /** Minor timeouts since the last major one. */
  get minorCount(): number {
    return this.minors;
  }

  /** Start over from the first timeout with no minor timeouts counted. */
  restart(): void {
    this.minors = 0;
    this.currentNs = this.options.initialNs;
  }

  /** Account an expiry: a minor timeout grows the timeout; a major one resets it. */
  expire(): TimeoutOutcome {
    const o = this.options;
    if (this.minors < o.retries) {
      this.minors++;
      const next = o.exponential ? this.currentNs * 2 : this.currentNs + o.incrementNs;
      this.currentNs = Math.min(next, o.maxNs);
      return 'minor';
    }
    this.minors = 0;
    this.currentNs = o.initialNs;
    return 'major';
  }
}
