/**
 * Payload buffers for outgoing packets, carved from large slabs: one zero-filled allocation per
 * slab instead of one per packet. A slab is never reused, only dropped when every packet viewing it
 * is gone, so a link may keep packets as long as it likes.
 */
export class PayloadSlab {
  private slab: Uint8Array;
  private offset = 0;

  constructor(private readonly slabBytes = 1 << 20) {
    this.slab = new Uint8Array(slabBytes);
  }

  /** A fresh `length`-byte buffer that no other packet shares. */
  take(length: number): Uint8Array {
    if (length > this.slabBytes >>> 2) return new Uint8Array(length);
    if (this.offset + length > this.slabBytes) {
      this.slab = new Uint8Array(this.slabBytes);
      this.offset = 0;
    }
    const view = this.slab.subarray(this.offset, this.offset + length);
    // Keep views 8-byte aligned, as a DMA engine's buffers would be.
    this.offset += (length + 7) & ~7;
    return view;
  }
}
