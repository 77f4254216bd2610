/**
 * Why a transport operation failed, as errno names:
 * - `EAGAIN`       — no write space now; the client waits for `onWriteSpace` and sends again.
 * - `ENOTCONN`     — not connected; the client reconnects and retransmits.
 * - `ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`, `EHOSTUNREACH` — connection attempts and losses.
 * - `EMSGSIZE`     — a record larger than the configured maximum (either direction).
 * - `EPROTO`       — bytes that break the framing protocol.
 * - `ESHUTDOWN`    — the transport was closed by its owner.
 * - `EEXIST`, `ENOENT` — registry: a transport name or ident already taken / not registered.
 * - `EINVAL`       — a bad argument (address, option).
 * - `EADDRINUSE`   — a server could not bind its address.
 */
export type TransportErrorCode =
  | 'EAGAIN'
  | 'ENOTCONN'
  | 'ECONNREFUSED'
  | 'ECONNRESET'
  | 'ETIMEDOUT'
  | 'EHOSTUNREACH'
  | 'EMSGSIZE'
  | 'EPROTO'
  | 'ESHUTDOWN'
  | 'EEXIST'
  | 'ENOENT'
  | 'EINVAL'
  | 'EADDRINUSE';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

const KNOWN = new Set<string>([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EADDRINUSE',
  'EPIPE',
  'ENOTCONN',
]);

/** Map a node:net error to a TransportError, keeping the original as `cause`. */
export function fromSocketError(err: unknown, what: string): TransportError {
  if (err instanceof TransportError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const mapped =
    code === 'EPIPE' ? 'ECONNRESET' : KNOWN.has(code) ? (code as TransportErrorCode) : 'ECONNRESET';
  const detail = err instanceof Error ? err.message : String(err);
  return new TransportError(mapped, `${what}: ${detail}`, { cause: err });
}
