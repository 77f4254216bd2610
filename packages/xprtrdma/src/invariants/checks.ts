import type { SendctxRing } from '@rdmalab/sendctx';
import type { RpcRdmaXprt } from '../client/xprt.js';
import type { Violation } from './violation.js';

/** A DMA fault as a backend's tap reports it (hca-sim DmaFaultRecord, structurally). */
export interface DmaFaultLike {
  readonly timeNs: number;
  readonly host: string;
  readonly reason?: string;
  readonly address?: number;
}

/** An exposure as a backend's wire tap reports it (hca-sim Exposure, structurally). */
export interface ExposureLike {
  readonly timeNs: number;
  readonly host: string;
  readonly qpn: number;
  readonly psn: number;
  readonly wrId: number;
  readonly owners: readonly (string | null)[];
  readonly differingBytes: number;
}

/** I1: every DMA fault the backend recorded is a violation. */
export function checkNoDmaFaults(faults: readonly DmaFaultLike[]): Violation[] {
  return faults.map((f) => ({
    invariant: 'I1' as const,
    message: `DMA fault on ${f.host}${f.reason ? ` (${f.reason})` : ''}${f.address !== undefined ? ` at 0x${f.address.toString(16)}` : ''}`,
    timeNs: f.timeNs,
    host: f.host,
  }));
}

/** I2: every exposure (a retransmission whose bytes differ from the first transmission). */
export function checkNoExposures(exposures: readonly ExposureLike[]): Violation[] {
  return exposures.map((e) => ({
    invariant: 'I2' as const,
    message: `retransmission of PSN ${e.psn} differs in ${e.differingBytes} bytes; pages owned by ${e.owners.join(', ')}`,
    timeNs: e.timeNs,
    host: e.host,
    qpn: e.qpn,
    psn: e.psn,
    wrId: e.wrId,
    owners: e.owners,
  }));
}

/** I3: post_send failed with ENOMEM at least once. */
export function checkNoSendQueueOverflow(xprt: RpcRdmaXprt): Violation[] {
  const n = xprt.stats.post_send_enomem;
  return n === 0
    ? []
    : [{ invariant: 'I3', message: `${n} post_send call(s) failed with ENOMEM: the Send Queue overflowed` }];
}

/** I4: from a log of (xid, outcome) per RPC: each xid completes once, and every issued RPC completes. */
export function checkCompletesOnce(issued: readonly number[], completed: readonly number[]): Violation[] {
  const out: Violation[] = [];
  const seen = new Map<number, number>();
  for (const x of completed) seen.set(x, (seen.get(x) ?? 0) + 1);
  for (const x of issued) {
    const n = seen.get(x) ?? 0;
    if (n !== 1) out.push({ invariant: 'I4', message: `RPC completed ${n} times`, xid: x });
  }
  return out;
}

/**
 * I5: at quiescence (no Send posted that could still complete), the ring must have nothing
 * outstanding and no writer may be left waiting for space (a lost wake-up or a leaked slot).
 */
export function checkRingQuiescent(
  ring: SendctxRing<unknown, unknown> | null,
  sendsInFlight: number,
): Violation[] {
  if (ring === null) return [];
  const out: Violation[] = [];
  if (sendsInFlight === 0 && ring.outstanding > 0) {
    out.push({
      invariant: 'I5',
      message: `${ring.outstanding} send context(s) outstanding with no Send posted: slots leaked (tail ${ring.tail}, head ${ring.head})`,
    });
  }
  if (ring.writeSpace.waiting > 0 && ring.outstanding < ring.size - 1) {
    out.push({
      invariant: 'I5',
      message: `${ring.writeSpace.waiting} writer(s) asleep while the ring has ${ring.size - 1 - ring.outstanding} free slot(s): a lost wake-up`,
    });
  }
  return out;
}

/** I6: compare bytes written with bytes read back. */
export function checkIntact(label: string, written: Uint8Array, readBack: Uint8Array): Violation[] {
  if (written.length !== readBack.length)
    return [
      { invariant: 'I6', message: `${label}: wrote ${written.length} bytes, read back ${readBack.length}` },
    ];
  for (let i = 0; i < written.length; i++) {
    if (written[i] !== readBack[i])
      return [
        {
          invariant: 'I6',
          message: `${label}: byte ${i} differs (wrote ${written[i]}, read ${readBack[i]})`,
        },
      ];
  }
  return [];
}

/**
 * I7: a request handed to the client (allocSlot) while a Send of the same request is still
 * posted. `onAlloc` is called by a wrapper around allocSlot; see {@link watchRequestReuse}.
 */
export function watchRequestReuse(
  xprt: RpcRdmaXprt,
  now: () => number,
): { readonly violations: Violation[]; check(slot: unknown): void } {
  const violations: Violation[] = [];
  return {
    violations,
    check(slot) {
      const req = xprt.pool?.all.find((r) => r === slot);
      if (req === undefined) return;
      const ring = xprt.ep?.ring;
      const stillPosted =
        req.sendOutstanding || ring?.contexts.some((c) => c.req === req && ring.isOutstanding(c));
      if (stillPosted)
        violations.push({
          invariant: 'I7',
          message: `request ${req.id} reused while its Send is outstanding`,
          timeNs: now(),
          wrId: req.id,
        });
    },
  };
}
