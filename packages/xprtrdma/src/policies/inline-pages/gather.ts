import type { InlinePagesPolicy } from './policy.js';

/**
 * Map each page for this Send (rpcrdma_prepare_pagelist, 2017 on): no copy, but the Send now
 * holds page mappings that must outlive the RPC's Reply until the Send completes — the case the
 * seed's fix makes the RPC wait for.
 *
 * What it gets wrong: nothing by itself; it is the mode that exposes a wrong Send-lifetime policy.
 */
export class GatherPages implements InlinePagesPolicy {
  readonly name = 'gather';
  pullUp(_pageBytes: number, _room: number): boolean {
    return false;
  }
}
