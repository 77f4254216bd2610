/** errno-style codes the verbs world reports (ibv_post_send(3), ibv_modify_qp(3), rdma_cm(7)). */
export type VerbsErrorCode =
  | 'ENOMEM'
  | 'EINVAL'
  | 'EAGAIN'
  | 'ENOTCONN'
  | 'EPERM'
  | 'EFAULT'
  | 'EIO'
  | 'EBUSY'
  | 'ENODEV'
  | 'ENOENT'
  | 'EEXIST'
  | 'EADDRINUSE'
  | 'EHOSTUNREACH'
  | 'ECONNREFUSED'
  | 'ECONNRESET'
  | 'ETIMEDOUT'
  | 'EOPNOTSUPP';

/**
 * The one error class of the verbs layer. `code` is stable and machine-readable; the message names
 * the object and field that was wrong. For a failed post, `badWrIndex` is the index of the first WR
 * that was not posted (the `bad_wr` of ibv_post_send): WRs before it were posted.
 */
export class VerbsError extends Error {
  override readonly name = 'VerbsError';
  constructor(
    readonly code: VerbsErrorCode,
    message: string,
    readonly badWrIndex?: number,
  ) {
    super(`${code}: ${message}`);
  }
}

/** A DMA mapping could not be made (ib_dma_mapping_error): IOMMU space exhausted, or an injected fault. */
export class DmaMappingError extends VerbsError {
  constructor(message: string) {
    super('EIO', message);
  }
}
