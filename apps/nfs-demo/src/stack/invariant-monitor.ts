import type { RpcClient } from '@rdmalab/sunrpc';
import {
  checkNoDmaFaults,
  checkNoExposures,
  checkNoSendQueueOverflow,
  type InvariantId,
  type RdmaClientTransport,
  type Violation,
  watchRequestReuse,
} from '@rdmalab/xprtrdma';
import { SendRingModel } from './send-ring-model.js';
import type { SimStack } from './sim-stack.js';

export const INVARIANT_IDS: readonly InvariantId[] = ['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7'];

/** How often the lost-wake-up sampler looks at the ring while a workload runs (virtual ns). */
const RING_SAMPLE_NS = 50_000;

/**
 * Watches one simulation for the invariants of DESIGN.md §5. I1/I2 come from the fabric's tap,
 * I3 from the transports' ENOMEM count, I4 from the replies each transport delivers (an xid
 * delivered twice) and from RPCs still pending at the end, I5 from a ring sampler (writers asleep
 * while the ring has room: a lost wake-up) and the Send-ring model (slots held with no Send
 * posted), I6 from the workload's read-back, I7 from every request allocation.
 */
export class InvariantMonitor {
  readonly #stack: SimStack;
  readonly #found: Violation[] = [];
  readonly #reuse: { readonly violations: Violation[] }[] = [];
  readonly #replied = new Map<number, number>();
  readonly #firstSend = new Map<number, number>();
  readonly #latencies: number[] = [];
  readonly ring = new SendRingModel();
  #lostWakeupEpisodes = 0;
  #inLostWakeup = false;
  #sampling = false;

  constructor(stack: SimStack) {
    this.#stack = stack;
    stack.tracer.addSink(this.ring);
    stack.onClientTransport.push((t) => this.watch(t));
  }

  private now(): number {
    return this.#stack.scheduler.now();
  }

  /** Wrap a new client transport before its RpcClient attaches. */
  private watch(t: RdmaClientTransport): void {
    const reuse = watchRequestReuse(t.xprt, () => this.now());
    this.#reuse.push(reuse);
    const alloc = t.allocSlot.bind(t);
    t.allocSlot = () => {
      const slot = alloc();
      if (slot !== null) reuse.check(slot);
      return slot;
    };
    const send = t.sendRequest.bind(t);
    t.sendRequest = (request) => {
      if (!this.#firstSend.has(request.xid)) this.#firstSend.set(request.xid, this.now());
      return send(request);
    };
    const attach = t.attach.bind(t);
    t.attach = (events) =>
      attach({
        ...events,
        onReply: (xid, reply) => {
          const n = (this.#replied.get(xid) ?? 0) + 1;
          this.#replied.set(xid, n);
          if (n === 2)
            this.#found.push({
              invariant: 'I4',
              message: `RPC xid 0x${xid.toString(16)} completed twice`,
              timeNs: this.now(),
              xid,
            });
          else {
            const sent = this.#firstSend.get(xid);
            if (sent !== undefined) this.#latencies.push(this.now() - sent);
          }
          events.onReply(xid, reply);
        },
      });
  }

  /** Look for lost wake-ups every `everyNs` of virtual time (default 50 µs) until the returned stop is called. */
  startRingSampler(everyNs = RING_SAMPLE_NS): () => void {
    this.#sampling = true;
    const tick = (): void => {
      if (!this.#sampling) return;
      let lost = false;
      for (const t of this.#stack.clientTransports) {
        const ring = t.xprt.ring;
        if (ring !== null && ring.writeSpace.waiting > 0 && ring.outstanding < ring.size - 1) lost = true;
      }
      if (lost && !this.#inLostWakeup) {
        this.#lostWakeupEpisodes++;
        const ring = this.#stack.clientTransports.find((t) => t.xprt.ring !== null)?.xprt.ring;
        this.#found.push({
          invariant: 'I5',
          message: `a writer sleeps on write space while the ring has ${ring ? ring.size - 1 - ring.outstanding : '?'} free slot(s): a lost wake-up`,
          timeNs: this.now(),
          host: 'client',
        });
      }
      this.#inLostWakeup = lost;
      this.#stack.scheduler.setTimer(everyNs, tick, 'rdmalab.ring-sampler');
    };
    this.#stack.scheduler.setTimer(everyNs, tick, 'rdmalab.ring-sampler');
    return () => {
      this.#sampling = false;
    };
  }

  /** A violation the workload found (I6 read-back, I4 an RPC that never completed…). */
  add(v: Violation): void {
    this.#found.push(v);
  }

  /** Episodes where a writer slept with room in the ring. */
  get lostWakeups(): number {
    return this.#lostWakeupEpisodes;
  }

  /** RPC latencies (first transmission → reply delivered to the RPC layer), virtual ns. */
  get latenciesNs(): readonly number[] {
    return this.#latencies;
  }

  /** Distinct RPCs whose reply reached the RPC layer. */
  get rpcsCompleted(): number {
    return this.#replied.size;
  }

  /**
   * Every violation, once the run is over. `clients` are checked for RPCs still pending (I4);
   * the current ring is checked for slots held with no Send posted (I5).
   */
  finish(clients: readonly RpcClient[]): Violation[] {
    const stack = this.#stack;
    const tap = stack.fabric.tap;
    const out: Violation[] = [];
    if (tap) {
      out.push(...checkNoDmaFaults(tap.dmaFaults));
      out.push(...checkNoExposures(tap.exposures));
    }
    for (const t of stack.clientTransports) out.push(...checkNoSendQueueOverflow(t.xprt));
    out.push(...this.#found);
    for (const r of this.#reuse) out.push(...r.violations);
    for (const c of clients) {
      if (c.outstanding > 0)
        out.push({
          invariant: 'I4',
          message: `${c.outstanding} RPC(s) never completed: the transport stalled`,
          timeNs: this.now(),
        });
    }
    const current = stack.clientTransports.at(-1);
    const ring = current?.xprt.ring ?? null;
    if (ring !== null && ring.outstanding > this.ring.unretired) {
      out.push({
        invariant: 'I5',
        message: `${ring.outstanding - this.ring.unretired} send context(s) held with no Send posted behind them (ring head ${ring.head}, tail ${ring.tail}): leaked slots`,
        timeNs: this.now(),
        host: 'client',
      });
    }
    return out.sort((a, b) => (a.timeNs ?? 0) - (b.timeNs ?? 0));
  }
}

/** Violations counted per invariant, every id present. */
export function countByInvariant(violations: readonly Violation[]): Record<InvariantId, number> {
  const counts = Object.fromEntries(INVARIANT_IDS.map((id) => [id, 0])) as Record<InvariantId, number>;
  for (const v of violations) counts[v.invariant]++;
  return counts;
}
