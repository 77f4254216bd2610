import { SendctxError } from '../errors.js';
import { describeState, initialState, stateKey } from './state.js';
import {
  type ModelConfig,
  type ModelWakeup,
  type RingVariant,
  successors,
  terminalViolation,
  type ViolationKind,
} from './steps.js';

export interface RingModelOptions {
  /** Ring size, >= 2 (the suite checks 2..5). */
  size: number;
  /** Send attempts the consumer makes (posted or failed); the producer runs unbounded. */
  depth: number;
  /** Default `correct`. */
  variant?: RingVariant;
  /** Default `unconditional`. */
  wakeup?: ModelWakeup;
  /**
   * Let the consumer's first tail load return any stored tail not older than the last one it
   * read (coherence only), not just the latest. Default true.
   */
  staleTail?: boolean;
  /** Give up (E2BIG) beyond this many distinct states. Default 5,000,000. */
  maxStates?: number;
}

export interface RingModelViolation {
  kind: ViolationKind;
  message: string;
  /** Shortest interleaving that reaches it, one shared-memory step per line. */
  trace: string[];
  /** The state it ends in. */
  state: string;
}

export interface RingModelResult {
  ok: boolean;
  /** Distinct states visited. */
  states: number;
  /** Transitions taken. */
  transitions: number;
  /** Longest interleaving explored, in steps. */
  maxSteps: number;
  violation?: RingModelViolation;
}

interface Visit {
  parent: string | null;
  label: string;
  steps: number;
}

/**
 * Explores every interleaving of one consumer (get / post / unget, with its empty path and
 * wait) and one producer (in-order Send completions walking and publishing the tail, then its
 * wake-up), one shared-memory step at a time, breadth first, so a counterexample is a shortest
 * one. Asserts no slot handed out twice, none released while in use or twice, no "empty" with
 * room in the ring, no sender asleep with every Send retired, and no slot lost at the end.
 */
export function checkRingModel(options: RingModelOptions): RingModelResult {
  const { size, depth } = options;
  if (!Number.isInteger(size) || size < 2) {
    throw new SendctxError('EINVAL', `size must be an integer >= 2, got ${String(size)}`);
  }
  if (!Number.isInteger(depth) || depth < 1) {
    throw new SendctxError('EINVAL', `depth must be an integer >= 1, got ${String(depth)}`);
  }
  const cfg: ModelConfig = {
    size,
    depth,
    variant: options.variant ?? 'correct',
    wakeup: options.wakeup ?? 'unconditional',
    staleTail: options.staleTail ?? true,
  };
  const maxStates = options.maxStates ?? 5_000_000;

  const start = initialState(size);
  const startKey = stateKey(start);
  const visited = new Map<string, Visit>([[startKey, { parent: null, label: '', steps: 0 }]]);
  let frontier = [start];
  let transitions = 0;
  let maxSteps = 0;

  const traceTo = (key: string, last?: string): string[] => {
    const labels: string[] = last === undefined ? [] : [last];
    for (let k: string | null = key; k !== null; ) {
      const v: Visit = visited.get(k)!;
      if (v.parent !== null) labels.push(v.label);
      k = v.parent;
    }
    return labels.reverse();
  };

  while (frontier.length > 0) {
    const nextFrontier = [];
    for (const s of frontier) {
      const key = stateKey(s);
      const steps = visited.get(key)!.steps;
      const moves = successors(s, cfg);
      if (moves.length === 0) {
        const v = terminalViolation(s, cfg);
        if (v) {
          return {
            ok: false,
            states: visited.size,
            transitions,
            maxSteps,
            violation: { ...v, trace: traceTo(key), state: describeState(s) },
          };
        }
        continue;
      }
      for (const m of moves) {
        transitions++;
        if (m.violation) {
          return {
            ok: false,
            states: visited.size,
            transitions,
            maxSteps,
            violation: { ...m.violation, trace: traceTo(key, m.label), state: describeState(m.next) },
          };
        }
        const nk = stateKey(m.next);
        if (visited.has(nk)) continue;
        visited.set(nk, { parent: key, label: m.label, steps: steps + 1 });
        if (steps + 1 > maxSteps) maxSteps = steps + 1;
        if (visited.size > maxStates) {
          throw new SendctxError('E2BIG', `the model has more than maxStates (${maxStates}) states`);
        }
        nextFrontier.push(m.next);
      }
    }
    frontier = nextFrontier;
  }
  return { ok: true, states: visited.size, transitions, maxSteps };
}
