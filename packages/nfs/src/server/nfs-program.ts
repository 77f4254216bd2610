// @rdmalab/sunrpc loads tsyringe at import time, which needs the metadata polyfill first.
import 'reflect-metadata';
import { MemoryError, PAGE_SIZE, type Page, type PhysicalMemory } from '@rdmalab/kernel';
import { AuthFlavor, type RpcCall, type RpcProgramVersion, type XdrEncoder } from '@rdmalab/sunrpc';
import * as codec from '../codec/nfs3.js';
import { NFS_PROGRAM, NFS_V3, Nfs3Proc, Nfs3Stat } from '../constants.js';
import type { Caller, Nfs3Service, ReadResult } from './nfs3-service.js';

/**
 * Procedures that are not idempotent, whose replies the RPC server's duplicate request cache
 * keeps so a retransmission is not run twice (a retried CREATE GUARDED would answer EXIST, a
 * retried REMOVE NOENT). As nfsd's nfs3proc.c marks them with a cache type other than RC_NOCACHE.
 */
export const NFS3_NON_IDEMPOTENT: ReadonlySet<number> = new Set([
  Nfs3Proc.SETATTR,
  Nfs3Proc.WRITE,
  Nfs3Proc.CREATE,
  Nfs3Proc.MKDIR,
  Nfs3Proc.SYMLINK,
  Nfs3Proc.MKNOD,
  Nfs3Proc.REMOVE,
  Nfs3Proc.RMDIR,
  Nfs3Proc.RENAME,
  Nfs3Proc.LINK,
  Nfs3Proc.COMMIT,
]);

/** uid/gid of AUTH_NONE callers (Linux "nobody"). */
export const NOBODY_ID = 65534;

/** The caller's identity from its RPC credential. */
export function callerOf(call: RpcCall): Caller {
  const c = call.credential;
  if (c.flavor === AuthFlavor.AUTH_SYS) return { uid: c.sys.uid, gid: c.sys.gid, gids: c.sys.gids };
  return { uid: NOBODY_ID, gid: NOBODY_ID, gids: [] };
}

/**
 * The NFS program, version 3, for an RpcServer: each procedure decodes its arguments with the
 * RFC 1813 codec (an XdrError answers GARBAGE_ARGS), runs in the service and encodes its
 * result. READ data is copied into pages from `replyMemory` and handed to the transport as the
 * reply's page list (XDRBUF_READ); the pages go back to the allocator once the reply is sent.
 */
export function nfs3Program(service: Nfs3Service, replyMemory: PhysicalMemory): RpcProgramVersion {
  type Handler = (call: RpcCall, results: XdrEncoder) => Promise<void>;
  function proc<A, R>(
    c: codec.Nfs3ProcCodec<A, R>,
    run: (args: A, call: RpcCall) => Promise<R>,
  ): [number, { name: string; handler: Handler; cacheReply: boolean }] {
    return [
      c.proc,
      {
        name: c.name,
        cacheReply: NFS3_NON_IDEMPOTENT.has(c.proc),
        handler: async (call, results) => {
          const args = c.decodeArgs(call.args);
          c.encodeRes(results, await run(args, call));
        },
      },
    ];
  }
  const read: Handler = async (call, results) => {
    const args = codec.READ3.decodeArgs(call.args);
    const res = await service.read(args);
    codec.READ3.encodeRes(results, toPages(res, replyMemory, call));
  };
  const procedures = Object.fromEntries([
    proc(codec.NULL3, async () => undefined),
    proc(codec.GETATTR3, (a) => service.getattr(a)),
    proc(codec.SETATTR3, (a) => service.setattr(a)),
    proc(codec.LOOKUP3, (a) => service.lookup(a)),
    proc(codec.ACCESS3, (a, call) => service.access(a, callerOf(call))),
    [Nfs3Proc.READ, { name: 'READ', handler: read }],
    proc(codec.WRITE3, (a) => service.write({ ...a, data: a.data as Uint8Array })),
    proc(codec.CREATE3, (a, call) => service.create(a, callerOf(call))),
    proc(codec.MKDIR3, (a, call) => service.mkdir(a, callerOf(call))),
    proc(codec.REMOVE3, (a) => service.remove(a)),
    proc(codec.RMDIR3, (a) => service.rmdir(a)),
    proc(codec.RENAME3, (a) => service.rename(a)),
    proc(codec.READDIR3, (a) => service.readdir(a)),
    proc(codec.READDIRPLUS3, (a) => service.readdirplus(a)),
    proc(codec.FSSTAT3, (a) => service.fsstat(a)),
    proc(codec.FSINFO3, (a) => service.fsinfo(a)),
    proc(codec.PATHCONF3, (a) => service.pathconf(a)),
    proc(codec.COMMIT3, (a) => service.commit(a)),
  ]);
  return { program: NFS_PROGRAM, version: NFS_V3, name: 'nfs', procedures };
}

/** READ data into reply pages; NFS3ERR_JUKEBOX (try again later) when none are free. */
function toPages(res: ReadResult, memory: PhysicalMemory, call: RpcCall): codec.ReadRes {
  if (res.status !== 0) return res;
  const { data } = res.ok;
  let pages: Page[];
  try {
    pages = memory.allocPages(Math.ceil(data.length / PAGE_SIZE), 'nfsd:read-reply');
  } catch (e) {
    if (e instanceof MemoryError && e.code === 'ENOMEM') {
      return { status: Nfs3Stat.NFS3ERR_JUKEBOX, fail: { attributes: res.ok.attributes } };
    }
    throw e;
  }
  call.afterReply(() => {
    for (const p of pages) memory.free(p);
  });
  for (let i = 0; i < pages.length; i++)
    pages[i]!.bytes.set(data.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE));
  return { status: 0, ok: { ...res.ok, data: { pages, base: 0, length: data.length } } };
}
