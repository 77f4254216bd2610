/**
 * The state of the ring-protocol model: shared memory (head, tail, the wake-up words), each
 * thread's program counter and registers, and ghost state the assertions need (who owns each
 * slot, the Send Queue, handed-out and retired counts).
 */

/** Ghost ownership of a slot. */
export const SlotState = {
  free: 0,
  /** Handed out; the consumer is preparing the Send. */
  preparing: 1,
  /** Posted on the Send Queue; the HCA may read it until it is retired. */
  posted: 2,
  /** Preparation failed and the slot was left behind (the pre-2026 leak). */
  abandoned: 3,
} as const;

export type ConsumerPc =
  | 'load-tail' // read tail (the value may be stale: any store not older than the last one seen)
  | 'test-empty' // compare next(head) with the tail read, then take or go empty
  | 'register' // SC discipline: announce the wait (waiters = 1)
  | 'load-seq' // SC discipline: snapshot the write-space sequence
  | 'reload-tail' // SC discipline: re-read tail (latest value, Atomics are SC)
  | 'wait-seq' // SC discipline: Atomics.wait(seq, snapshot)
  | 'set-congested' // kernel shapes: set the transport's write-space bit and sleep
  | 'set-empty-flag' // flag-bit: set EMPTY_SCQ; the RPC layer sleeps later
  | 'prepared' // holds a slot: post the Send or fail preparation
  | 'asleep'
  | 'done';

export type ProducerPc =
  | 'idle'
  | 'release' // walk: release the next slot after the cursor
  | 'publish' // store tail = target
  | 'wake-load-waiters'
  | 'wake-bump-seq'
  | 'wake-notify'
  | 'wake-clear-congested'
  | 'wake-clear-empty-flag';

export interface ModelState {
  // shared memory
  head: number;
  tail: number;
  /** Tail stores not older than the consumer's last read, oldest first; the last is current. */
  tailHistory: number[];
  /** Retired count published by each entry of tailHistory (ghost, for the false-empty check). */
  tailHistoryRetired: number[];
  seq: number;
  waiters: number;
  congested: number;
  emptyFlag: number;
  // consumer registers
  cpc: ConsumerPc;
  cTail: number;
  cTailRetired: number;
  cSeq: number;
  cSlot: number;
  ops: number;
  // producer registers
  ppc: ProducerPc;
  pTarget: number;
  pCursor: number;
  // ghost
  slots: number[];
  sendQueue: number[];
  handedOut: number;
  retired: number;
}

export function initialState(size: number): ModelState {
  return {
    head: 0,
    tail: 0,
    tailHistory: [0],
    tailHistoryRetired: [0],
    seq: 0,
    waiters: 0,
    congested: 0,
    emptyFlag: 0,
    cpc: 'load-tail',
    cTail: 0,
    cTailRetired: 0,
    cSeq: 0,
    cSlot: -1,
    ops: 0,
    ppc: 'idle',
    pTarget: -1,
    pCursor: -1,
    slots: new Array<number>(size).fill(SlotState.free),
    sendQueue: [],
    handedOut: 0,
    retired: 0,
  };
}

export function stateKey(s: ModelState): string {
  return [
    s.head,
    s.tail,
    s.tailHistory.join('.'),
    s.tailHistoryRetired.join('.'),
    s.seq,
    s.waiters,
    s.congested,
    s.emptyFlag,
    s.cpc,
    s.cTail,
    s.cTailRetired,
    s.cSeq,
    s.cSlot,
    s.ops,
    s.ppc,
    s.pTarget,
    s.pCursor,
    s.slots.join(''),
    s.sendQueue.join('.'),
    s.handedOut,
    s.retired,
  ].join('|');
}

export function cloneState(s: ModelState): ModelState {
  return {
    ...s,
    tailHistory: s.tailHistory.slice(),
    tailHistoryRetired: s.tailHistoryRetired.slice(),
    slots: s.slots.slice(),
    sendQueue: s.sendQueue.slice(),
  };
}

/** One line describing a state, for counterexample traces. */
export function describeState(s: ModelState): string {
  const names = ['free', 'preparing', 'posted', 'abandoned'];
  return (
    `head=${s.head} tail=${s.tail} consumer=${s.cpc} producer=${s.ppc} ` +
    `sendQueue=[${s.sendQueue.join(',')}] slots=[${s.slots.map((x) => names[x]).join(',')}] ` +
    `congested=${s.congested} emptyFlag=${s.emptyFlag} waiters=${s.waiters} seq=${s.seq}`
  );
}
