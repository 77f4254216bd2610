import type { RpcSlot } from '../transport/contract.js';
import { TransportError } from '../transport/errors.js';

/**
 * A fixed table of request slots, the way the kernel bounds outstanding requests on a stream
 * transport. Transports use it to implement allocSlot/freeSlot; an RDMA transport may size it
 * from its request buffer pool.
 */
export class SlotTable {
  private readonly free: RpcSlot[] = [];
  private readonly busy = new Set<RpcSlot>();
  private highWater = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new TransportError('EINVAL', `slot table size must be >= 1, got ${size}`);
    for (let id = size - 1; id >= 0; id--) this.free.push({ id });
  }

  /** The lowest free slot, or null when every slot is in use. */
  alloc(): RpcSlot | null {
    const slot = this.free.pop();
    if (slot === undefined) return null;
    this.busy.add(slot);
    if (this.busy.size > this.highWater) this.highWater = this.busy.size;
    return slot;
  }

  /** Return a slot; a slot not handed out by this table (or freed twice) is EINVAL. */
  release(slot: RpcSlot): void {
    if (!this.busy.delete(slot))
      throw new TransportError('EINVAL', `slot ${slot.id} is not in use in this table`);
    this.free.push(slot);
  }

  get inUse(): number {
    return this.busy.size;
  }

  /** Most slots ever in use at once (mountstats max_slots). */
  get maxUsed(): number {
    return this.highWater;
  }
}
