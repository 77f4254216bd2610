import type { CompletionQueue } from '../completion-queue.js';
import { WcFlags, WcOpcode } from '../constants/wc-opcode.js';
import { WcStatus, wcStatusName } from '../constants/wc-status.js';
import type { WorkCompletion } from '../work-completion.js';

const opcodeNames = new Map<number, string>(Object.entries(WcOpcode).map(([name, value]) => [value, name]));

/** `WcOpcode` value → its name, e.g. 129 → "RECV_RDMA_WITH_IMM". */
export function wcOpcodeName(opcode: number): string {
  return opcodeNames.get(opcode) ?? `UNKNOWN(${opcode})`;
}

/**
 * A completion as a case compares it: names instead of numbers (so a failure diff reads
 * "REM_ACCESS_ERR" vs "SUCCESS"), and only the fields ibv_poll_cq(3) makes meaningful — for an error
 * completion just wrId and status; byteLen only for receives and RDMA READ.
 */
export interface CompletionSummary {
  wrId: number;
  status: string;
  opcode?: string;
  byteLen?: number;
  immData?: number;
  invalidatedRkey?: number;
}

export function summarizeCompletion(wc: WorkCompletion): CompletionSummary {
  const summary: CompletionSummary = { wrId: wc.wrId, status: wcStatusName(wc.status) };
  if (wc.status !== WcStatus.SUCCESS) return summary;
  summary.opcode = wcOpcodeName(wc.opcode);
  const isRecv = (wc.opcode & WcOpcode.RECV) !== 0;
  if (isRecv || wc.opcode === WcOpcode.RDMA_READ) summary.byteLen = wc.byteLen;
  if (isRecv && (wc.wcFlags & WcFlags.WITH_IMM) !== 0) summary.immData = wc.immData;
  if (isRecv && (wc.wcFlags & WcFlags.WITH_INVALIDATE) !== 0) summary.invalidatedRkey = wc.invalidatedRkey;
  return summary;
}

/**
 * Everything one CQ produced, in order. Callback mode: the CQ's `onCompletion` is {@link record}.
 * Poll mode: {@link reap} polls the CQ dry — which, under the `signaled-only` retirement model, is
 * also what frees Send Queue slots, exactly as an mlx5 consumer's ibv_poll_cq does.
 */
export class CompletionLog {
  readonly entries: WorkCompletion[] = [];
  /** Completion-channel events (poll mode `onEvent`) seen so far. */
  events = 0;
  #cq: CompletionQueue | undefined;

  constructor(readonly label: string) {}

  readonly record = (wc: WorkCompletion): void => {
    this.entries.push(wc);
  };

  readonly countEvent = (): void => {
    this.events++;
  };

  bind(cq: CompletionQueue): void {
    this.#cq = cq;
  }

  /** Poll mode: move every waiting completion into `entries`. Callback mode: nothing to do. */
  reap(): void {
    const cq = this.#cq;
    if (cq?.mode !== 'poll') return;
    for (;;) {
      const batch = cq.poll(32);
      if (batch.length === 0) return;
      this.entries.push(...batch);
    }
  }

  summaries(): CompletionSummary[] {
    return this.entries.map(summarizeCompletion);
  }

  /** One line for failure messages: `a.send: [1 SUCCESS SEND, 2 WR_FLUSH_ERR]`. */
  describe(): string {
    const items = this.entries.map((wc) => {
      const s = summarizeCompletion(wc);
      return [s.wrId, s.status, s.opcode, s.byteLen === undefined ? undefined : `${s.byteLen}B`]
        .filter((part) => part !== undefined)
        .join(' ');
    });
    const waiting = this.#cq && this.#cq.mode === 'poll' ? ` (+${this.#cq.depth} unpolled)` : '';
    return `${this.label}: [${items.join(', ')}]${waiting}`;
  }
}
