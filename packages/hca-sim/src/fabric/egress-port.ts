/**
 * One direction of one cable: frames leave in FIFO order, each occupying the line for its
 * serialization time, so a burst queues behind itself (a drop-free, infinitely buffered port).
 */
export class EgressPort {
  /** Virtual time the line becomes free. */
  busyUntil = 0;
  /** Frames serialized through this port. */
  frames = 0;
  bytes = 0;

  /** Reserve the line for a frame ready at `readyNs`; returns when its last bit is on the wire. */
  serialize(readyNs: number, frameBytes: number, nsPerByte: number): number {
    const start = Math.max(readyNs, this.busyUntil);
    const done = start + frameBytes * nsPerByte;
    this.busyUntil = done;
    this.frames++;
    this.bytes += frameBytes;
    return done;
  }
}
