import { MAX_FRAGMENT_LENGTH } from './record-marking.js';

/** Tuning of the TCP transport (client and server side). */
export interface TcpTransportOptions {
  /** Largest record accepted from the peer; a larger one closes that connection (EMSGSIZE). */
  readonly maxRecordSize: number;
  /** Client: request slots (the most calls outstanding on one connection). */
  readonly slotTableSize: number;
  /** Largest fragment sent; records above it go out in several fragments. */
  readonly maxFragmentSize: number;
  /** Client: delay before the first reconnect attempt after a failure, doubling per failure, ns. */
  readonly reconnectDelayNs: number;
  /** Client: upper bound of the reconnect delay, ns. */
  readonly maxReconnectDelayNs: number;
  /** Client: give up one connection attempt after this long, ns. */
  readonly connectTimeoutNs: number;
  /** Client: bytes queued in the socket beyond which sends answer EAGAIN until it drains. */
  readonly writeQueueLimit: number;
}

export const DEFAULT_TCP_OPTIONS: TcpTransportOptions = Object.freeze({
  // 1 MiB of payload (the usual NFS rsize/wsize maximum) plus room for headers.
  maxRecordSize: 1024 * 1024 + 64 * 1024,
  slotTableSize: 128,
  maxFragmentSize: MAX_FRAGMENT_LENGTH,
  reconnectDelayNs: 100e6,
  maxReconnectDelayNs: 30e9,
  connectTimeoutNs: 10e9,
  writeQueueLimit: 4 * 1024 * 1024,
});
