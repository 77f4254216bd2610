/**
 * Word offsets (Int32) of the shared ring's header in its SharedArrayBuffer. Words written by
 * different threads sit on different 64-byte lines so the threads never false-share: the
 * consumer's line, the producer's line, the rarely written wait registration, the constants.
 */
export const SharedRingWord = {
  /** Last slot handed out; written only by the consumer. */
  head: 0,
  /** Consumer-only statistics, on the consumer's line. */
  emptyCount: 1,
  ungetCount: 2,
  /** Last slot retired; written only by the producer. */
  tail: 16,
  /** Futex word: bumped by the producer when it frees slots while a consumer is registered. */
  spaceSeq: 17,
  flushedCount: 18,
  /**
   * Non-zero while the consumer is registered for a write-space wake-up. Read by every `put`,
   * written only on the empty path, so it gets a line of its own.
   */
  waiters: 32,
  /** Read-only after creation. */
  magic: 48,
  size: 49,
  payloadWords: 50,
} as const;

/** "SCTX": tells a shared ring buffer from any other SharedArrayBuffer. */
export const SHARED_RING_MAGIC = 0x53435458;
/** Header length in Int32 words (four 64-byte lines); payload words follow. */
export const SHARED_RING_HEADER_WORDS = 64;
