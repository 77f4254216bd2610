import type { RpcClient, XdrPageRange } from '@rdmalab/sunrpc';
import type { Nfs3ProcCodec } from '../codec/nfs3.js';
import { Nfs3Stat } from '../constants.js';

export interface Nfs3CallOptions {
  /** READ: pages the data lands in (the transport may place it there directly). */
  readonly replyPages?: XdrPageRange;
  /**
   * The largest results this call can bring, bytes (READDIR's count): an RDMA transport sizes
   * the reply chunk by it. Default: the reply pages plus headers, or the transport's default.
   */
  readonly resultMaxBytes?: number;
  readonly signal?: AbortSignal;
}

/** How many times a call answered NFS3ERR_JUKEBOX is retried, with doubling delays from 10 ms. */
const JUKEBOX_RETRIES = 8;
const JUKEBOX_FIRST_DELAY_MS = 10;

/** Bytes of RPC and NFS header around a READ reply's data (reply header, post_op_attr, count, eof), or around a READDIR result. */
const READ_REPLY_OVERHEAD = 256;

/**
 * Typed NFSv3 calls over an RpcClient: arguments and results go through the RFC 1813 codecs,
 * and NFS3ERR_JUKEBOX ("try again later", RFC 1813 §2.6) is retried after a delay, as the
 * Linux client does.
 */
export class Nfs3Rpc {
  constructor(readonly rpc: RpcClient) {}

  async call<A, R>(c: Nfs3ProcCodec<A, R>, args: A, options: Nfs3CallOptions = {}): Promise<R> {
    let delay = JUKEBOX_FIRST_DELAY_MS;
    for (let attempt = 0; ; attempt++) {
      const res = await this.rpc.call({
        proc: c.proc,
        procName: c.name,
        encodeArgs: (enc) => c.encodeArgs(enc, args),
        decodeResult: (dec) => c.decodeRes(dec, { readInto: options.replyPages }),
        replyPages: options.replyPages,
        replyMaxBytes:
          options.resultMaxBytes !== undefined
            ? options.resultMaxBytes + READ_REPLY_OVERHEAD
            : options.replyPages === undefined
              ? undefined
              : options.replyPages.length + READ_REPLY_OVERHEAD,
        signal: options.signal,
      });
      if (!isJukebox(res) || attempt >= JUKEBOX_RETRIES) return res;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay *= 2;
    }
  }
}

function isJukebox(res: unknown): boolean {
  return (
    typeof res === 'object' &&
    res !== null &&
    'status' in res &&
    (res as { status: number }).status === Nfs3Stat.NFS3ERR_JUKEBOX
  );
}
