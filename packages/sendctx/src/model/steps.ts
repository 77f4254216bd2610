import { cloneState, type ModelState, SlotState } from './state.js';

/**
 * Which ring protocol to explore. `correct` is the package's protocol; the others are
 * deliberately broken to show the checker catches each mistake.
 * - `empty-if-head-equals-tail`: the empty test compares head itself, not next(head), with tail.
 * - `publish-tail-before-release`: the completion handler stores the new tail, then releases.
 * - `leak-on-prep-failure`: a failed Send preparation keeps its slot (no unget; before 2026).
 */
export type RingVariant =
  | 'correct'
  | 'empty-if-head-equals-tail'
  | 'publish-tail-before-release'
  | 'leak-on-prep-failure';

/**
 * Which write-space wake-up to explore.
 * - `unconditional`: {@link SharedSendctxRing}'s discipline — register, snapshot the sequence,
 *   re-read tail, then `Atomics.wait`; every retirement bumps the sequence if anyone registered.
 * - `unconditional-late-register`: the post-2019 kernel shape taken literally — read tail once,
 *   then set the transport's write-space bit and sleep, no re-check; every retirement
 *   test-and-clears that bit and wakes.
 * - `flag-bit`: 2017–2019 — the empty path sets `EMPTY_SCQ`, the RPC layer later sets the
 *   write-space bit and sleeps; a retirement wakes only if it test-and-clears `EMPTY_SCQ` and
 *   then finds the write-space bit set.
 */
export type ModelWakeup = 'unconditional' | 'unconditional-late-register' | 'flag-bit';

export type ViolationKind =
  | 'double-handout'
  | 'release-in-use'
  | 'double-release'
  | 'false-empty'
  | 'stall'
  | 'lost-slot';

export interface ModelConfig {
  size: number;
  depth: number;
  variant: RingVariant;
  wakeup: ModelWakeup;
  staleTail: boolean;
}

export interface Transition {
  label: string;
  next: ModelState;
  violation?: { kind: ViolationKind; message: string };
}

const SLOT_NAMES = ['free', 'preparing', 'posted', 'abandoned'];

function nextIndex(i: number, size: number): number {
  return i + 1 === size ? 0 : i + 1;
}

function distance(from: number, to: number, size: number): number {
  const d = to - from;
  return d >= 0 ? d : d + size;
}

/** Every transition enabled in `s`: consumer steps, then producer steps. */
export function successors(s: ModelState, cfg: ModelConfig): Transition[] {
  const out: Transition[] = [];
  consumerSteps(s, cfg, out);
  producerSteps(s, cfg, out);
  return out;
}

function isEmpty(s: ModelState, cfg: ModelConfig): boolean {
  return cfg.variant === 'empty-if-head-equals-tail'
    ? s.head === s.cTail
    : nextIndex(s.head, cfg.size) === s.cTail;
}

function take(s: ModelState, cfg: ModelConfig, label: string, out: Transition[]): void {
  const slot = nextIndex(s.head, cfg.size);
  const n = cloneState(s);
  const was = s.slots[slot]!;
  n.slots[slot] = SlotState.preparing;
  n.head = slot;
  n.handedOut++;
  n.cSlot = slot;
  n.cpc = 'prepared';
  if (cfg.wakeup === 'unconditional') n.waiters = 0;
  const t: Transition = { label: `${label}; take slot ${slot} (head=${slot})`, next: n };
  if (was !== SlotState.free) {
    t.violation = {
      kind: 'double-handout',
      message: `slot ${slot} handed out while it is still ${SLOT_NAMES[was]}`,
    };
  }
  out.push(t);
}

function goEmpty(s: ModelState, cfg: ModelConfig, label: string, afterEmpty: ModelState['cpc']): Transition {
  const n = cloneState(s);
  n.cpc = afterEmpty;
  const t: Transition = { label: `${label}; empty`, next: n };
  const inView = s.handedOut - s.cTailRetired;
  if (inView < cfg.size - 1) {
    t.violation = {
      kind: 'false-empty',
      message: `get reported empty with ${inView} of ${cfg.size - 1} contexts outstanding as of the tail it read (${s.cTail})`,
    };
  }
  return t;
}

function consumerSteps(s: ModelState, cfg: ModelConfig, out: Transition[]): void {
  const size = cfg.size;
  switch (s.cpc) {
    case 'load-tail': {
      const last = s.tailHistory.length - 1;
      for (let i = cfg.staleTail ? 0 : last; i <= last; i++) {
        const n = cloneState(s);
        n.cTail = s.tailHistory[i]!;
        n.cTailRetired = s.tailHistoryRetired[i]!;
        n.tailHistory = s.tailHistory.slice(i);
        n.tailHistoryRetired = s.tailHistoryRetired.slice(i);
        n.cpc = 'test-empty';
        const stale = i < last ? ` (stale; current ${s.tail})` : '';
        out.push({ label: `consumer: load tail -> ${n.cTail}${stale}`, next: n });
      }
      return;
    }
    case 'test-empty': {
      const label = `consumer: next(head ${s.head}) vs tail ${s.cTail}`;
      if (!isEmpty(s, cfg)) {
        take(s, cfg, label, out);
        return;
      }
      const after =
        cfg.wakeup === 'unconditional'
          ? 'register'
          : cfg.wakeup === 'flag-bit'
            ? 'set-empty-flag'
            : 'set-congested';
      out.push(goEmpty(s, cfg, label, after));
      return;
    }
    case 'register': {
      const n = cloneState(s);
      n.waiters = 1;
      n.cpc = 'load-seq';
      out.push({ label: 'consumer: waiters = 1', next: n });
      return;
    }
    case 'load-seq': {
      const n = cloneState(s);
      n.cSeq = s.seq;
      n.cpc = 'reload-tail';
      out.push({ label: `consumer: load seq -> ${s.seq}`, next: n });
      return;
    }
    case 'reload-tail': {
      // Sequentially consistent load: the latest tail, and older stores are no longer visible.
      const r = cloneState(s);
      const last = s.tailHistory.length - 1;
      r.cTail = s.tailHistory[last]!;
      r.cTailRetired = s.tailHistoryRetired[last]!;
      r.tailHistory = [r.cTail];
      r.tailHistoryRetired = [r.cTailRetired];
      const label = `consumer: reload tail -> ${r.cTail}, next(head ${s.head}) vs tail`;
      if (!isEmpty(r, cfg)) take(r, cfg, label, out);
      else out.push(goEmpty(r, cfg, label, 'wait-seq'));
      return;
    }
    case 'wait-seq': {
      const n = cloneState(s);
      if (s.seq !== s.cSeq) {
        n.cpc = 'load-tail';
        out.push({ label: `consumer: Atomics.wait(seq, ${s.cSeq}) -> not-equal, retry get`, next: n });
      } else {
        n.cpc = 'asleep';
        out.push({ label: `consumer: Atomics.wait(seq, ${s.cSeq}) sleeps`, next: n });
      }
      return;
    }
    case 'set-empty-flag': {
      const n = cloneState(s);
      n.emptyFlag = 1;
      n.cpc = 'set-congested';
      out.push({ label: 'consumer: set EMPTY_SCQ, return EAGAIN', next: n });
      return;
    }
    case 'set-congested': {
      const n = cloneState(s);
      n.congested = 1;
      n.cpc = 'asleep';
      out.push({ label: 'consumer: set write-space bit, sleep', next: n });
      return;
    }
    case 'prepared': {
      const slot = s.cSlot;
      const posted = cloneState(s);
      posted.slots[slot] = SlotState.posted;
      posted.sendQueue.push(slot);
      finishOp(posted, cfg);
      out.push({ label: `consumer: post Send in slot ${slot}`, next: posted });

      const failed = cloneState(s);
      if (cfg.variant === 'leak-on-prep-failure') {
        failed.slots[slot] = SlotState.abandoned;
        finishOp(failed, cfg);
        out.push({ label: `consumer: Send preparation fails, slot ${slot} kept`, next: failed });
      } else {
        failed.slots[slot] = SlotState.free;
        failed.head = slot === 0 ? size - 1 : slot - 1;
        failed.handedOut--;
        finishOp(failed, cfg);
        out.push({
          label: `consumer: Send preparation fails, unget slot ${slot} (head=${failed.head})`,
          next: failed,
        });
      }
      return;
    }
    case 'asleep':
    case 'done':
      return;
  }
}

function finishOp(n: ModelState, cfg: ModelConfig): void {
  n.cSlot = -1;
  n.ops++;
  n.cpc = n.ops >= cfg.depth ? 'done' : 'load-tail';
}

function firstWakeStep(cfg: ModelConfig): ModelState['ppc'] {
  if (cfg.wakeup === 'unconditional') return 'wake-load-waiters';
  if (cfg.wakeup === 'flag-bit') return 'wake-clear-empty-flag';
  return 'wake-clear-congested';
}

function producerSteps(s: ModelState, cfg: ModelConfig, out: Transition[]): void {
  const size = cfg.size;
  const publishFirst = cfg.variant === 'publish-tail-before-release';
  switch (s.ppc) {
    case 'idle': {
      // The HCA completes Sends in order; a signaled one retires every earlier unsignaled one.
      for (let k = 1; k <= s.sendQueue.length; k++) {
        const n = cloneState(s);
        n.pTarget = s.sendQueue[k - 1]!;
        n.sendQueue = s.sendQueue.slice(k);
        n.pCursor = s.tail;
        n.ppc = publishFirst ? 'publish' : 'release';
        out.push({ label: `completion: Send in slot ${n.pTarget} completes (retires ${k})`, next: n });
      }
      return;
    }
    case 'release': {
      const c = nextIndex(s.pCursor, size);
      const n = cloneState(s);
      const was = s.slots[c]!;
      n.slots[c] = SlotState.free;
      n.retired++;
      n.pCursor = c;
      if (c === s.pTarget) n.ppc = publishFirst ? firstWakeStep(cfg) : 'publish';
      const t: Transition = { label: `completion: release slot ${c}`, next: n };
      if (was === SlotState.preparing) {
        t.violation = {
          kind: 'release-in-use',
          message: `slot ${c} released while the consumer prepares it`,
        };
      } else if (was === SlotState.free) {
        t.violation = { kind: 'double-release', message: `slot ${c} released but it is free` };
      }
      out.push(t);
      return;
    }
    case 'publish': {
      const n = cloneState(s);
      n.tail = s.pTarget;
      n.tailHistory.push(s.pTarget);
      n.tailHistoryRetired.push(s.retired + (publishFirst ? distance(s.pCursor, s.pTarget, size) : 0));
      n.ppc = publishFirst ? 'release' : firstWakeStep(cfg);
      out.push({ label: `completion: store tail = ${s.pTarget}`, next: n });
      return;
    }
    case 'wake-load-waiters': {
      const n = cloneState(s);
      n.ppc = s.waiters === 1 ? 'wake-bump-seq' : 'idle';
      out.push({ label: `completion: load waiters -> ${s.waiters}`, next: n });
      return;
    }
    case 'wake-bump-seq': {
      const n = cloneState(s);
      n.seq = s.seq + 1;
      n.ppc = 'wake-notify';
      out.push({ label: `completion: seq = ${n.seq}`, next: n });
      return;
    }
    case 'wake-notify': {
      const n = cloneState(s);
      n.ppc = 'idle';
      const woke = s.cpc === 'asleep';
      if (woke) n.cpc = 'load-tail';
      out.push({ label: `completion: Atomics.notify(seq)${woke ? ' wakes the consumer' : ''}`, next: n });
      return;
    }
    case 'wake-clear-empty-flag': {
      const n = cloneState(s);
      const had = s.emptyFlag === 1;
      n.emptyFlag = 0;
      n.ppc = had ? 'wake-clear-congested' : 'idle';
      out.push({ label: `completion: test_and_clear(EMPTY_SCQ) -> ${had}`, next: n });
      return;
    }
    case 'wake-clear-congested': {
      const n = cloneState(s);
      const had = s.congested === 1;
      n.congested = 0;
      n.ppc = 'idle';
      const woke = had && s.cpc === 'asleep';
      if (woke) n.cpc = 'load-tail';
      out.push({
        label: `completion: write-space wake-up: test_and_clear(write-space bit) -> ${had}${woke ? ', wakes the consumer' : ''}`,
        next: n,
      });
      return;
    }
  }
}

/** The violation, if any, of a state where no transition is enabled. */
export function terminalViolation(
  s: ModelState,
  cfg: ModelConfig,
): { kind: ViolationKind; message: string } | undefined {
  const abandoned = s.slots.flatMap((x, i) => (x === SlotState.abandoned ? [i] : []));
  if (s.cpc === 'asleep') {
    const outstanding = distance(s.tail, s.head, cfg.size);
    if (abandoned.length > 0) {
      return {
        kind: 'lost-slot',
        message: `the ring looks full with no Send in flight: slot(s) ${abandoned.join(',')} kept after failed preparation; the sender sleeps forever`,
      };
    }
    return {
      kind: 'stall',
      message: `the sender sleeps waiting for write space, every Send is retired (${outstanding} outstanding in the ring) and no wake-up will come`,
    };
  }
  if (s.cpc === 'done') {
    const held = s.slots.flatMap((x, i) => (x !== SlotState.free ? [i] : []));
    if (held.length > 0 || s.head !== s.tail) {
      return {
        kind: 'lost-slot',
        message: `after every Send retired, slot(s) [${held.join(',')}] are not free (head ${s.head}, tail ${s.tail})`,
      };
    }
  }
  return undefined;
}
