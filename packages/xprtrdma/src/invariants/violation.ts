/** The invariants every simulation run checks (DESIGN.md §5). */
export type InvariantId = 'I1' | 'I2' | 'I3' | 'I4' | 'I5' | 'I6' | 'I7';

export const INVARIANT_TITLES: Readonly<Record<InvariantId, string>> = {
  I1: 'no DMA read of an unmapped or freed page',
  I2: 'no exposure (a retransmission carries the bytes of the first transmission)',
  I3: 'no Send Queue overflow',
  I4: 'each RPC completes exactly once',
  I5: 'no send context handed out twice; the ring never stays empty with no Send outstanding',
  I6: 'every byte written is read back intact',
  I7: 'no request or send buffer reused while a Send that reads it is outstanding',
};

/** One violation, with whatever of time, host, QP, PSN, WR, xid and page owner is known. */
export interface Violation {
  readonly invariant: InvariantId;
  readonly message: string;
  readonly timeNs?: number;
  readonly host?: string;
  readonly qpn?: number;
  readonly psn?: number;
  readonly wrId?: number;
  readonly xid?: number;
  readonly owners?: readonly (string | null)[];
}
