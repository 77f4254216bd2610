/**
 * Why an RPC-over-RDMA header or CM private data could not be decoded or encoded:
 * - `EBADMSG`   — the bytes end before the item does.
 * - `ERR_VERS`  — rdma_vers is not 1; a responder answers with RDMA_ERROR/ERR_VERS.
 * - `ERR_CHUNK` — a chunk list is malformed (bad discriminator, a segment count that overruns,
 *                 read positions out of order, an offset beyond 2^53); answered with ERR_CHUNK.
 * - `EPROTO`    — an unknown or obsolete rdma_proc, or an unknown RDMA_ERROR code.
 * - `EINVAL`    — a value that cannot be encoded (out of the XDR type's range) or bad private data.
 * - `EMSGSIZE`  — the encoded header does not fit the buffer given.
 */
export type RpcRdmaErrorCode = 'EBADMSG' | 'ERR_VERS' | 'ERR_CHUNK' | 'EPROTO' | 'EINVAL' | 'EMSGSIZE';

/** A header codec failure naming the field and its byte offset from the start of the header. */
export class RpcRdmaHeaderError extends Error {
  override readonly name = 'RpcRdmaHeaderError';
  constructor(
    readonly code: RpcRdmaErrorCode,
    readonly field: string,
    readonly offset: number,
    detail: string,
    /** The xid, when the prefix was readable: lets a responder address an RDMA_ERROR. */
    readonly xid?: number,
  ) {
    super(`${code}: ${field} at byte ${offset}: ${detail}`);
  }
}
