/** Stable codes of rxe backend errors (errno names). */
export type RxeErrorCode =
  | 'EINVAL'
  | 'EADDRINUSE'
  | 'EADDRNOTAVAIL'
  | 'ESHUTDOWN'
  | 'EIO'
  | 'ENOTSUP'
  | 'EPERM'
  | 'EACCES';

/** A bad rxe option, or a UDP socket that could not be set up. The message names the field or address. */
export class RxeError extends Error {
  override readonly name = 'RxeError';
  constructor(
    readonly code: RxeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}
