import { Buffer } from 'node:buffer';

/**
 * Payload buffers for outgoing packets, carved from large slabs: one allocation per slab instead of
 * one per packet. A slab is never reused, only dropped when every packet viewing it is gone, so a
 * link (or a wire tap) may keep a packet, and the bytes it carried on the wire, as long as it likes.
 *
 * Slabs are not zero-filled: every view handed out is overwritten in full by the gather (or READ) that
 * fills it before the packet leaves, and a packet whose gather faults is never sent. Zeroing a slab
 * cost as much as the gather copy itself.
 */
export class PayloadSlab {
  private slab: Uint8Array;
  private offset = 0;

  constructor(private readonly slabBytes = 1 << 20) {
    this.slab = uninitialized(slabBytes);
  }

  /** A fresh `length`-byte buffer that no other packet shares; its bytes are garbage until written. */
  take(length: number): Uint8Array {
    if (length > this.slabBytes >>> 2) return new Uint8Array(length);
    if (this.offset + length > this.slabBytes) {
      this.slab = uninitialized(this.slabBytes);
      this.offset = 0;
    }
    const view = this.slab.subarray(this.offset, this.offset + length);
    // Keep views 8-byte aligned, as a DMA engine's buffers would be.
    this.offset += (length + 7) & ~7;
    return view;
  }
}

/** A plain Uint8Array (not a Buffer: its slice() must copy) over memory that is not zero-filled. */
function uninitialized(bytes: number): Uint8Array {
  const raw = Buffer.allocUnsafeSlow(bytes);
  return new Uint8Array(raw.buffer, raw.byteOffset, bytes);
}
