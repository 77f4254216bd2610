/**
 * Word offsets (Int32) of the shared ring's header in its SharedArrayBuffer. Words written by
 * different threads sit 64 bytes apart so the two threads never false-share a cache line.
 */
export const SharedRingWord = {
  /** Last slot handed out; written only by the consumer. */
  head: 0,
  /** Consumer-only statistics, on the consumer's line. */
  emptyCount: 1,
  ungetCount: 2,
  /** Set while the consumer is registered for a write-space wake-up. */
  waiters: 3,
  /** Last slot retired; written only by the producer. */
  tail: 16,
  /** Futex word: bumped by the producer when it frees slots while a consumer is registered. */
  spaceSeq: 17,
  flushedCount: 18,
  /** Read-only after creation. */
  magic: 32,
  size: 33,
  payloadWords: 34,
} as const;

/** "SCTX": tells a shared ring buffer from any other SharedArrayBuffer. */
export const SHARED_RING_MAGIC = 0x53435458;
/** Header length in Int32 words; payload words follow. */
export const SHARED_RING_HEADER_WORDS = 48;
