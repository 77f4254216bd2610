import type { Scheduler } from '@rdmalab/kernel';
import { RpcClient } from '../client/client.js';
import type { RpcTimeoutOptions } from '../client/timeout.js';
import type { TransportRegistry } from '../transport/contract.js';
import {
  decodeList,
  decodeMapping,
  decodeRpcb,
  encodeMapping,
  encodeRpcb,
  IPPROTO_TCP,
  PMAP_VERSION,
  type PmapMapping,
  PmapProc,
  RPCBIND_PORT,
  RPCBIND_PROGRAM,
  RPCBIND_VERSION_4,
  type RpcbEntry,
  RpcbProc,
} from './protocol.js';

export interface RpcbindClientOptions {
  readonly host: string;
  /** Default 111. */
  readonly port?: number;
  readonly scheduler: Scheduler;
  /** Transport class name; default "tcp". */
  readonly transport?: string;
  readonly timeout?: Partial<RpcTimeoutOptions>;
}

type RpcbVersion = 3 | 4;

/**
 * A client of rpcbind (RFC 1833): the portmapper v2 procedures (GETPORT, DUMP, SET, UNSET) and
 * the rpcbind v3/v4 ones (GETADDR, DUMP, SET, UNSET, GETTIME), over one connection.
 */
export class RpcbindClient {
  readonly rpc: RpcClient;

  constructor(registry: TransportRegistry, options: RpcbindClientOptions) {
    const transport = registry.get(options.transport ?? 'tcp').createClient({
      host: options.host,
      port: options.port ?? RPCBIND_PORT,
      scheduler: options.scheduler,
    });
    this.rpc = new RpcClient({
      transport,
      scheduler: options.scheduler,
      program: RPCBIND_PROGRAM,
      version: RPCBIND_VERSION_4,
      programName: 'rpcbind',
      timeout: { initialNs: 3e9, retries: 2, ...options.timeout },
    });
  }

  /** NULL of the given version (default 4). */
  ping(vers: number = RPCBIND_VERSION_4): Promise<void> {
    return this.rpc.ping({ vers });
  }

  /** PMAPPROC_GETPORT (v2): the port of prog/vers over `prot`, 0 when not registered. */
  getPort(prog: number, vers: number, prot: number = IPPROTO_TCP): Promise<number> {
    return this.rpc.call({
      vers: PMAP_VERSION,
      proc: PmapProc.GETPORT,
      procName: 'GETPORT',
      encodeArgs: (e) => encodeMapping(e, { prog, vers, prot, port: 0 }),
      decodeResult: (d) => d.readUint('getport.port'),
    });
  }

  /** PMAPPROC_DUMP (v2): every registered mapping. */
  dump(): Promise<PmapMapping[]> {
    return this.rpc.call({
      vers: PMAP_VERSION,
      proc: PmapProc.DUMP,
      procName: 'DUMP',
      decodeResult: (d) => decodeList(d, 'pmaplist', decodeMapping),
    });
  }

  /** PMAPPROC_SET (v2): true when rpcbind accepted the mapping. */
  set(mapping: PmapMapping): Promise<boolean> {
    return this.rpc.call({
      vers: PMAP_VERSION,
      proc: PmapProc.SET,
      procName: 'SET',
      encodeArgs: (e) => encodeMapping(e, mapping),
      decodeResult: (d) => d.readBool('set.result'),
    });
  }

  /** PMAPPROC_UNSET (v2): removes prog/vers for every protocol. */
  unset(prog: number, vers: number): Promise<boolean> {
    return this.rpc.call({
      vers: PMAP_VERSION,
      proc: PmapProc.UNSET,
      procName: 'UNSET',
      encodeArgs: (e) => encodeMapping(e, { prog, vers, prot: 0, port: 0 }),
      decodeResult: (d) => d.readBool('unset.result'),
    });
  }

  /** RPCBPROC_GETADDR (v3/v4): the universal address of prog/vers on `netid`, or null. */
  async getAddr(prog: number, vers: number, netid: string, version: RpcbVersion = 4): Promise<string | null> {
    const addr = await this.rpc.call({
      vers: version,
      proc: RpcbProc.GETADDR,
      procName: 'GETADDR',
      encodeArgs: (e) => encodeRpcb(e, { prog, vers, netid, addr: '', owner: '' }),
      decodeResult: (d) => d.readString('getaddr.uaddr', 255),
    });
    return addr === '' ? null : addr;
  }

  /** RPCBPROC_DUMP (v3/v4): every registration with netid, address and owner. */
  dumpEntries(version: RpcbVersion = 4): Promise<RpcbEntry[]> {
    return this.rpc.call({
      vers: version,
      proc: RpcbProc.DUMP,
      procName: 'DUMP',
      decodeResult: (d) => decodeList(d, 'rpcblist', decodeRpcb),
    });
  }

  /** RPCBPROC_SET (v3/v4). */
  setAddr(entry: RpcbEntry, version: RpcbVersion = 4): Promise<boolean> {
    return this.rpc.call({
      vers: version,
      proc: RpcbProc.SET,
      procName: 'SET',
      encodeArgs: (e) => encodeRpcb(e, entry),
      decodeResult: (d) => d.readBool('set.result'),
    });
  }

  /** RPCBPROC_UNSET (v3/v4): netid "" removes every netid. */
  unsetAddr(prog: number, vers: number, netid = '', version: RpcbVersion = 4): Promise<boolean> {
    return this.rpc.call({
      vers: version,
      proc: RpcbProc.UNSET,
      procName: 'UNSET',
      encodeArgs: (e) => encodeRpcb(e, { prog, vers, netid, addr: '', owner: '' }),
      decodeResult: (d) => d.readBool('unset.result'),
    });
  }

  /** RPCBPROC_GETTIME (v3/v4): the server's time in seconds since the epoch. */
  getTime(version: RpcbVersion = 4): Promise<number> {
    return this.rpc.call({
      vers: version,
      proc: RpcbProc.GETTIME,
      procName: 'GETTIME',
      decodeResult: (d) => d.readUint('gettime.time'),
    });
  }

  close(): Promise<void> {
    return this.rpc.shutdown();
  }
}
