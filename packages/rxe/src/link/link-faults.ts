import type { PacketRoute, RocePacket } from '@rdmalab/roce';

/** Which way a rule looks: packets this link sends, or datagrams it receives. */
export type FaultDirection = 'tx' | 'rx';

/**
 * A test hook in the UDP link: drop matching packets as if the network lost them. The engine sees a
 * real loss (nothing arrives) and recovers, or fails, exactly as over a lossy wire.
 */
export interface LinkFaultRule {
  direction: FaultDirection;
  /** Which packets; default every packet. */
  match?: (packet: RocePacket, route: PacketRoute) => boolean;
  /** Drop only the next `count` matches (default unlimited). */
  count?: number;
  /** Drop only for this many ms from now (default until removed). With `count`, whichever ends first. */
  forMs?: number;
}

interface ActiveRule {
  readonly rule: LinkFaultRule;
  remaining: number;
  readonly untilMs: number;
  hits: number;
}

/** The link's drop rules; the first rule that matches drops the packet. */
export class LinkFaults {
  readonly #rules: ActiveRule[] = [];
  /** Packets dropped by rules, by direction. */
  readonly dropped = { tx: 0, rx: 0 };

  get active(): boolean {
    return this.#rules.length > 0;
  }

  /** Add a rule; returns a function that removes it. */
  add(rule: LinkFaultRule): () => void {
    const active: ActiveRule = {
      rule,
      remaining: rule.count ?? Number.POSITIVE_INFINITY,
      untilMs: rule.forMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + rule.forMs,
      hits: 0,
    };
    this.#rules.push(active);
    return () => this.#remove(active);
  }

  clear(): void {
    this.#rules.length = 0;
  }

  /** Whether `packet` is to be dropped; consumes a count of the rule that drops it. */
  drops(direction: FaultDirection, packet: RocePacket, route: PacketRoute): boolean {
    const now = performance.now();
    for (const active of [...this.#rules]) {
      if (active.remaining <= 0 || now >= active.untilMs) {
        this.#remove(active);
        continue;
      }
      if (active.rule.direction !== direction) continue;
      if (active.rule.match !== undefined && !active.rule.match(packet, route)) continue;
      active.remaining--;
      active.hits++;
      this.dropped[direction]++;
      if (active.remaining <= 0) this.#remove(active);
      return true;
    }
    return false;
  }

  #remove(active: ActiveRule): void {
    const at = this.#rules.indexOf(active);
    if (at >= 0) this.#rules.splice(at, 1);
  }
}
