import type { Random } from '@rdmalab/kernel';
import type { PacketRoute, RocePacket } from '@rdmalab/roce';
import { SimError } from '../errors.js';
import type { AckLoss, FaultAction, FaultRule, PacketMatch, Partition } from './fault-plan.js';
import { classifyPacket as classifyPacketImport, PACKET_CLASSES, type PacketClass } from './packet-class.js';
import {
  checkCount,
  checkProbability,
  checkWindow,
  inWindow as inWindowImport,
  type TimeWindow,
} from './time-window.js';

// Imported values used per packet, bound to module-local names once: under a module runner (vitest,
// where tests and fault sweeps run) every use of an imported binding is a getter call, which costs
// more than the operation and keeps the hot path from being inlined.
const classifyPacket = classifyPacketImport;
const inWindow = inWindowImport;

const PSN_MODULUS = 0x1000000;

/** The fate the fault plan gives one packet. */
export type FaultDecision =
  | { readonly kind: 'pass' }
  | { readonly kind: 'drop'; readonly rule: string }
  | { readonly kind: 'delay'; readonly rule: string; readonly ns: number }
  | { readonly kind: 'duplicate'; readonly rule: string; readonly copies: number; readonly gapNs: number }
  | { readonly kind: 'reorder'; readonly rule: string; readonly after: number; readonly maxHoldNs: number };

const PASS: FaultDecision = Object.freeze({ kind: 'pass' });
const DEFAULT_MAX_HOLD_NS = 1_000_000;

interface CompiledRule {
  readonly name: string;
  /** Host references (name or IP), resolved per packet so rules may name hosts added later. */
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly opcodes: ReadonlySet<number> | undefined;
  readonly classes: ReadonlySet<PacketClass> | undefined;
  readonly psnFirst: number | undefined;
  readonly psnSpan: number;
  readonly qp: number | undefined;
  readonly window: TimeWindow | undefined;
  readonly nth: number;
  readonly count: number;
  readonly probability: number | undefined;
  readonly random: Random;
  readonly decision: FaultDecision;
  matches: number;
  fired: number;
}

interface CompiledPartition {
  readonly a: string;
  readonly b: string;
  readonly window: TimeWindow;
}

/** Rule statistics, for reports and tests. */
export interface RuleStats {
  name: string;
  matches: number;
  fired: number;
}

/**
 * Evaluates a fault plan's packet rules and partitions against packets crossing the switch. Hosts are
 * named by name or IP and resolved when a packet is judged, so a plan may be given before its hosts
 * exist; `unresolvedHosts()` lists references that still name no host.
 */
export class FaultInjector {
  readonly #rules: CompiledRule[] = [];
  readonly #partitions: CompiledPartition[] = [];
  #added = 0;

  constructor(
    private readonly random: Random,
    private readonly resolveHost: (nameOrIp: string) => string | undefined,
  ) {}

  /** Add a rule; returns a function that removes it. */
  addRule(rule: FaultRule): () => void {
    const index = this.#added++;
    const compiled = this.compile(rule, index);
    this.#rules.push(compiled);
    return () => {
      const at = this.#rules.indexOf(compiled);
      if (at >= 0) this.#rules.splice(at, 1);
    };
  }

  addAckLoss(loss: AckLoss): () => void {
    return this.addRule({
      name: `ack-loss-${this.#added}`,
      match: {
        class: 'ack',
        ...(loss.from !== undefined && { from: loss.from }),
        ...(loss.to !== undefined && { to: loss.to }),
        ...(loss.window !== undefined && { window: loss.window }),
      },
      action: { type: 'drop' },
      ...(loss.nth !== undefined && { nth: loss.nth }),
      ...(loss.count !== undefined && { count: loss.count }),
      ...(loss.probability !== undefined && { probability: loss.probability }),
    });
  }

  addPartition(partition: Partition): () => void {
    if (!Array.isArray(partition.between) || partition.between.length !== 2) {
      throw new SimError('EINVAL', 'partition.between must name exactly two hosts');
    }
    if (!partition.window) throw new SimError('EINVAL', 'partition.window is required');
    checkWindow('partition.window', partition.window);
    const [a, b] = partition.between;
    if (typeof a !== 'string' || typeof b !== 'string') {
      throw new SimError('EINVAL', 'partition.between must name two hosts (name or IP)');
    }
    const compiled: CompiledPartition = { a, b, window: { ...partition.window } };
    this.#partitions.push(compiled);
    return () => {
      const at = this.#partitions.indexOf(compiled);
      if (at >= 0) this.#partitions.splice(at, 1);
    };
  }

  /** Whether the path between two hosts is cut at `nowNs`. */
  partitioned(srcIp: string, dstIp: string, nowNs: number): boolean {
    for (const p of this.#partitions) {
      if (!inWindow(p.window, nowNs)) continue;
      const a = this.resolveHost(p.a);
      const b = this.resolveHost(p.b);
      if ((a === srcIp && b === dstIp) || (a === dstIp && b === srcIp)) return true;
    }
    return false;
  }

  get hasRules(): boolean {
    return this.#rules.length > 0;
  }

  get hasPartitions(): boolean {
    return this.#partitions.length > 0;
  }

  /** Host references in rules and partitions that name no host (yet). */
  unresolvedHosts(): string[] {
    const refs = new Set<string>();
    for (const r of this.#rules) {
      if (r.from !== undefined) refs.add(r.from);
      if (r.to !== undefined) refs.add(r.to);
    }
    for (const p of this.#partitions) {
      refs.add(p.a);
      refs.add(p.b);
    }
    return [...refs].filter((ref) => this.resolveHost(ref) === undefined).sort();
  }

  stats(): RuleStats[] {
    return this.#rules.map((r) => ({ name: r.name, matches: r.matches, fired: r.fired }));
  }

  /** Decide one packet's fate. Every rule that matches counts the packet; the first that fires wins. */
  decide(packet: RocePacket, route: PacketRoute, nowNs: number): FaultDecision {
    if (this.#rules.length === 0) return PASS;
    let decision = PASS;
    let cls: PacketClass | undefined;
    for (const rule of this.#rules) {
      if (rule.from !== undefined && this.resolveHost(rule.from) !== route.srcIp) continue;
      if (rule.to !== undefined && this.resolveHost(rule.to) !== route.dstIp) continue;
      if (rule.opcodes && !rule.opcodes.has(packet.bth.opcode)) continue;
      if (rule.classes) {
        cls ??= classifyPacket(packet);
        if (!rule.classes.has(cls)) continue;
      }
      if (rule.qp !== undefined && rule.qp !== packet.bth.destQp && rule.qp !== route.srcQpn) continue;
      if (rule.psnFirst !== undefined) {
        const offset = (packet.bth.psn - rule.psnFirst + PSN_MODULUS) % PSN_MODULUS;
        if (offset > rule.psnSpan) continue;
      }
      if (!inWindow(rule.window, nowNs)) continue;
      rule.matches++;
      if (decision !== PASS) continue;
      if (rule.matches < rule.nth || rule.fired >= rule.count) continue;
      if (rule.probability !== undefined && !rule.random.chance(rule.probability)) continue;
      rule.fired++;
      decision = rule.decision;
    }
    return decision;
  }

  private compile(rule: FaultRule, index: number): CompiledRule {
    const name = rule.name ?? `rule-${index}`;
    const field = `rules[${name}]`;
    if (!rule.match || typeof rule.match !== 'object')
      throw new SimError('EINVAL', `${field}.match is required`);
    const match: PacketMatch = rule.match;
    checkWindow(`${field}.match.window`, match.window);
    checkCount(`${field}.nth`, rule.nth, 1);
    checkCount(`${field}.count`, rule.count, 0);
    checkProbability(`${field}.probability`, rule.probability);
    checkCount(`${field}.match.qp`, match.qp, 0);
    let opcodes: Set<number> | undefined;
    if (match.opcode !== undefined) {
      const list = typeof match.opcode === 'number' ? [match.opcode] : match.opcode;
      for (const op of list) checkCount(`${field}.match.opcode`, op, 0);
      opcodes = new Set(list);
    }
    let classes: Set<PacketClass> | undefined;
    if (match.class !== undefined) {
      const list: readonly PacketClass[] = typeof match.class === 'string' ? [match.class] : match.class;
      for (const c of list) {
        if (!PACKET_CLASSES.includes(c)) {
          throw new SimError(
            'EINVAL',
            `${field}.match.class "${c}" is not one of ${PACKET_CLASSES.join(', ')}`,
          );
        }
      }
      classes = new Set(list);
    }
    let psnFirst: number | undefined;
    let psnSpan = 0;
    if (match.psn !== undefined) {
      const first = typeof match.psn === 'number' ? match.psn : match.psn.first;
      const last = typeof match.psn === 'number' ? match.psn : match.psn.last;
      for (const [n, v] of [
        ['first', first],
        ['last', last],
      ] as const) {
        if (!Number.isInteger(v) || v < 0 || v >= PSN_MODULUS) {
          throw new SimError('EINVAL', `${field}.match.psn.${n} must be a 24-bit PSN, got ${v}`);
        }
      }
      psnFirst = first;
      psnSpan = (last - first + PSN_MODULUS) % PSN_MODULUS;
    }
    return {
      name,
      from: checkHostRef(`${field}.match.from`, match.from),
      to: checkHostRef(`${field}.match.to`, match.to),
      opcodes,
      classes,
      psnFirst,
      psnSpan,
      qp: match.qp,
      window: match.window ? { ...match.window } : undefined,
      nth: rule.nth ?? 1,
      count: rule.count ?? Number.POSITIVE_INFINITY,
      probability: rule.probability,
      random: this.random.fork(`rule:${name}:${index}`),
      decision: compileAction(field, name, rule.action),
      matches: 0,
      fired: 0,
    };
  }
}

function compileAction(field: string, rule: string, action: FaultAction): FaultDecision {
  if (!action || typeof action !== 'object') throw new SimError('EINVAL', `${field}.action is required`);
  switch (action.type) {
    case 'drop':
      return Object.freeze({ kind: 'drop', rule });
    case 'delay':
      if (!Number.isFinite(action.ns) || action.ns < 0) {
        throw new SimError('EINVAL', `${field}.action.ns must be a non-negative number, got ${action.ns}`);
      }
      return Object.freeze({ kind: 'delay', rule, ns: action.ns });
    case 'duplicate': {
      const copies = action.copies ?? 1;
      const gapNs = action.gapNs ?? 0;
      checkCount(`${field}.action.copies`, copies, 1);
      if (!Number.isFinite(gapNs) || gapNs < 0) {
        throw new SimError('EINVAL', `${field}.action.gapNs must be a non-negative number, got ${gapNs}`);
      }
      return Object.freeze({ kind: 'duplicate', rule, copies, gapNs });
    }
    case 'reorder': {
      checkCount(`${field}.action.after`, action.after, 1);
      const maxHoldNs = action.maxHoldNs ?? DEFAULT_MAX_HOLD_NS;
      if (!Number.isFinite(maxHoldNs) || maxHoldNs <= 0) {
        throw new SimError('EINVAL', `${field}.action.maxHoldNs must be a positive number, got ${maxHoldNs}`);
      }
      return Object.freeze({ kind: 'reorder', rule, after: action.after, maxHoldNs });
    }
    default:
      throw new SimError(
        'EINVAL',
        `${field}.action.type "${String((action as { type: unknown }).type)}" is not drop, delay, duplicate or reorder`,
      );
  }
}

function checkHostRef(field: string, ref: string | undefined): string | undefined {
  if (ref !== undefined && (typeof ref !== 'string' || ref.length === 0)) {
    throw new SimError('EINVAL', `${field} must be a host name or IPv4 address`);
  }
  return ref;
}
