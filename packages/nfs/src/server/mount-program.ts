// @rdmalab/sunrpc loads tsyringe at import time, which needs the metadata polyfill first.
import 'reflect-metadata';
import { AuthFlavor, type RpcProgramVersion } from '@rdmalab/sunrpc';
import * as codec from '../codec/mount3.js';
import { MOUNT_PROGRAM, MOUNT_V3, MountStat } from '../constants.js';
import type { Nfs3Service } from './nfs3-service.js';

/** Who has mounted what (the mountd's rmtab, in memory). */
export interface MountEntry {
  readonly remoteAddress: string;
  readonly path: string;
}

/**
 * The MOUNT program, version 3 (RFC 1813 §5): MNT answers the export's root file handle and
 * the auth flavors accepted (AUTH_SYS, AUTH_NONE); UMNT forgets a mount; EXPORT lists the
 * exports, open to every host (an empty group list).
 */
export function mount3Program(service: Nfs3Service, mounts: MountEntry[]): RpcProgramVersion {
  return {
    program: MOUNT_PROGRAM,
    version: MOUNT_V3,
    name: 'mount',
    procedures: {
      [codec.MOUNTPROC3_MNT.proc]: {
        name: 'MNT',
        handler: async (call, results) => {
          const path = codec.MOUNTPROC3_MNT.decodeArgs(call.args);
          const handle = await service.rootHandle(path);
          if (handle === undefined) {
            codec.MOUNTPROC3_MNT.encodeRes(results, { status: MountStat.MNT3ERR_NOENT });
            return;
          }
          mounts.push({ remoteAddress: call.remoteAddress, path });
          codec.MOUNTPROC3_MNT.encodeRes(results, {
            status: 0,
            handle,
            authFlavors: [AuthFlavor.AUTH_SYS, AuthFlavor.AUTH_NONE],
          });
        },
      },
      [codec.MOUNTPROC3_UMNT.proc]: {
        name: 'UMNT',
        handler: (call) => {
          const path = codec.MOUNTPROC3_UMNT.decodeArgs(call.args);
          const i = mounts.findIndex((m) => m.path === path && m.remoteAddress === call.remoteAddress);
          if (i >= 0) mounts.splice(i, 1);
        },
      },
      [codec.MOUNTPROC3_EXPORT.proc]: {
        name: 'EXPORT',
        handler: (_call, results) => {
          codec.MOUNTPROC3_EXPORT.encodeRes(
            results,
            service.exportPaths().map((dir) => ({ dir, groups: [] })),
          );
        },
      },
    },
  };
}
