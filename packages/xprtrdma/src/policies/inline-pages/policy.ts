import type { InjectionToken } from 'tsyringe';

/**
 * How an inline Send carries the call's page list (and tail): `gather` DMA-maps each page for
 * this Send and adds it as an SGE; `pull-up` copies it into the registered send buffer.
 */
export interface InlinePagesPolicy {
  readonly name: string;
  /** Whether to copy `pageBytes` of page data into the send buffer instead of mapping pages. */
  pullUp(pageBytes: number, sendBufferRoom: number): boolean;
}

export const INLINE_PAGES_POLICY: InjectionToken<InlinePagesPolicy> = Symbol(
  'rdmalab.xprtrdma.InlinePagesPolicy',
);
