import { MAX_PAYLOAD_BYTES } from '../wire/transport.js';
import { PayloadSlab } from './payload-slab.js';

/** Free blocks kept for reuse: 2 MiB, more than 128 unacknowledged PSNs of a few busy QPs. */
const MAX_FREE_BLOCKS = 512;

/**
 * Where a device's outgoing payloads live (the buffers the requester gathers into and the responder
 * reads RDMA READ data into): one per device, shared by its QPs.
 *
 * By default every payload is a fresh view of a never-reused slab, so the network may keep a packet as
 * long as it likes. A link that knows it is done with a packet — delivered once and processed, keeping
 * no reference (the simulated fabric without a pcap or forensics tap) — hands it back through
 * `recycle`; from then on payloads come from blocks of their own that return to a free list and carry a
 * later packet. Fresh memory for every 4 KiB packet (page faults, GC of external memory) cost more than
 * the gather copy; a reused block is warm in the cache. Every (re)transmission still gathers from host
 * memory into its block: reuse saves the allocation, never the gather.
 */
export class PayloadPool {
  private readonly slab = new PayloadSlab();
  private readonly free: ArrayBuffer[] = [];
  /**
   * Block → the payload view it is lent as. Only that very view brings it back: a foreign buffer, a
   * second return, or a stale view of an earlier lending of the same block is ignored.
   */
  private readonly lent = new WeakMap<ArrayBufferLike, Uint8Array>();
  private recycling = false;
  /** Payloads served from a returned block (rather than fresh memory). */
  reused = 0;

  /** A `length`-byte buffer no packet in flight shares (a reused block still holds an earlier payload). */
  take(length: number): Uint8Array {
    if (this.recycling && length <= MAX_PAYLOAD_BYTES) {
      let block = this.free.pop();
      if (block === undefined) block = new ArrayBuffer(MAX_PAYLOAD_BYTES);
      else this.reused++;
      const payload = new Uint8Array(block, 0, length);
      this.lent.set(block, payload);
      return payload;
    }
    return this.slab.take(length);
  }

  /**
   * The network is done with a packet carrying `payload`: nothing references it any more. A block of
   * this pool goes back to the free list; anything else (a slab view, an inline or CM payload) is left
   * to the garbage collector. The first call switches the pool to reusable blocks.
   */
  recycle(payload: Uint8Array): void {
    this.recycling = true;
    const block = payload.buffer;
    if (this.lent.get(block) !== payload) return;
    this.lent.delete(block);
    if (this.free.length < MAX_FREE_BLOCKS) this.free.push(block as ArrayBuffer);
  }
}
