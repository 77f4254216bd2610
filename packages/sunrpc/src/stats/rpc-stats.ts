/**
 * Per-procedure RPC statistics, the counters behind the kernel's per-op lines in
 * /proc/self/mountstats (net/sunrpc/stats.c, struct rpc_iostats). Times are nanoseconds.
 */
export interface RpcOpStats {
  readonly prog: number;
  readonly vers: number;
  readonly proc: number;
  readonly name: string;
  /** Calls finished (any outcome). */
  readonly ops: number;
  /** Transmissions, retransmissions included. */
  readonly transmissions: number;
  /** Retransmissions (transmissions beyond the first of each call). */
  readonly retransmits: number;
  /** Major timeouts. */
  readonly timeouts: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** Sum of time from the call's start to its first transmission (slot wait, backlog, connect). */
  readonly queueNs: number;
  /** Sum of time from the last transmission to the reply. */
  readonly rttNs: number;
  /** Sum of time from start to completion (client) or of handler run time (server). */
  readonly executeNs: number;
  /** Calls that ended in an error. */
  readonly errors: number;
}

/** RPC_IOSTATS_VERS of the mountstats format reproduced by {@link RpcStats.format}. */
export const RPC_IOSTATS_VERSION = '1.1';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A store of per-procedure statistics; one per client or server. */
export class RpcStats {
  private readonly ops = new Map<string, Mutable<RpcOpStats>>();
  private readonly programNames = new Map<string, string>();

  /** The live record for one procedure, created on first use. */
  op(prog: number, vers: number, proc: number, name?: string): Mutable<RpcOpStats> {
    const key = `${prog}/${vers}/${proc}`;
    let op = this.ops.get(key);
    if (op === undefined) {
      op = {
        prog,
        vers,
        proc,
        name: name ?? `proc${proc}`,
        ops: 0,
        transmissions: 0,
        retransmits: 0,
        timeouts: 0,
        bytesSent: 0,
        bytesReceived: 0,
        queueNs: 0,
        rttNs: 0,
        executeNs: 0,
        errors: 0,
      };
      this.ops.set(key, op);
    }
    return op;
  }

  /** Name a program for the `p/v:` header lines. */
  nameProgram(prog: number, vers: number, name: string): void {
    this.programNames.set(`${prog}/${vers}`, name);
  }

  /** Copies of every record, ordered by program, version, procedure. */
  snapshot(): RpcOpStats[] {
    return [...this.ops.values()]
      .map((op) => ({ ...op }))
      .sort((a, b) => a.prog - b.prog || a.vers - b.vers || a.proc - b.proc);
  }

  /** One procedure's record, or undefined if it was never called. */
  get(prog: number, vers: number, proc: number): RpcOpStats | undefined {
    const op = this.ops.get(`${prog}/${vers}/${proc}`);
    return op ? { ...op } : undefined;
  }

  reset(): void {
    this.ops.clear();
  }

  /**
   * Text shaped like mountstats' RPC section: per program/version a header, then one line per
   * procedure — `NAME: ops transmissions timeouts bytes_sent bytes_recv queue_ms rtt_ms execute_ms errors`.
   */
  format(): string {
    const lines: string[] = [];
    let current = '';
    for (const op of this.snapshot()) {
      const pv = `${op.prog}/${op.vers}`;
      if (pv !== current) {
        current = pv;
        const name = this.programNames.get(pv) ?? 'unknown';
        lines.push(`\tRPC iostats version: ${RPC_IOSTATS_VERSION}  p/v: ${pv} (${name})`);
        lines.push('\tper-op statistics');
      }
      const ms = (ns: number) => Math.floor(ns / 1e6);
      lines.push(
        `${op.name.padStart(12)}: ${op.ops} ${op.transmissions} ${op.timeouts} ${op.bytesSent} ${op.bytesReceived} ` +
          `${ms(op.queueNs)} ${ms(op.rttNs)} ${ms(op.executeNs)} ${op.errors}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
}
