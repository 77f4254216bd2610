import type { InlinePagesPolicy } from './policy.js';

/**
 * Copy the page list into the registered send buffer (rpcrdma_noch_pullup, Linux 5.8 on) when it
 * fits: the Send then reads only pre-registered memory and the RPC need not wait for it.
 *
 * What it gets wrong: a memcpy per Send; and only pre-registered buffers means the 2017–7.1
 * lifetime policies take no reference at all (the inline-buffer-recycle hole).
 */
export class PullUpPages implements InlinePagesPolicy {
  readonly name = 'pull-up';
  pullUp(pageBytes: number, room: number): boolean {
    return pageBytes <= room;
  }
}
