import { type Scheduler, VirtualScheduler } from '@rdmalab/kernel';
import {
  AcceptStat,
  AUTH_NONE,
  encodeAcceptedReplyHeader,
  RpcClient,
  type RpcTimeoutOptions,
  type XdrBuf,
  XdrEncoder,
} from '../../src/index.js';
import { FakeTransport } from './fake-transport.js';

export const S = 1e9;

/** An RpcClient for program 400000 v1 (proc 1 = ECHO) over a FakeTransport in virtual time. */
export function setupEchoClient<T extends FakeTransport = FakeTransport>(
  opts: {
    timeout?: Partial<RpcTimeoutOptions>;
    slots?: number;
    transport?: (s: Scheduler) => T;
    reconnectPauseNs?: number;
  } = {},
): { scheduler: VirtualScheduler; transport: T; client: RpcClient } {
  const scheduler = new VirtualScheduler();
  const transport = (opts.transport?.(scheduler) ?? new FakeTransport(scheduler, opts.slots ?? 16)) as T;
  const client = new RpcClient({
    transport,
    scheduler,
    program: 400000,
    version: 1,
    procedureNames: { 1: 'ECHO' },
    firstXid: 0x1000,
    ...(opts.reconnectPauseNs === undefined ? {} : { reconnectPauseNs: opts.reconnectPauseNs }),
    timeout: { initialNs: 1 * S, incrementNs: 1 * S, maxNs: 10 * S, retries: 2, soft: true, ...opts.timeout },
  });
  return { scheduler, transport, client };
}

/** A SUCCESS reply carrying one uint. */
export function successReply(xid: number, value: number): XdrBuf {
  const enc = new XdrEncoder();
  encodeAcceptedReplyHeader(enc, xid, AUTH_NONE, AcceptStat.SUCCESS);
  enc.writeUint(value);
  return enc.finish();
}

/** Call ECHO(value). */
export function echo(client: RpcClient, value: number, signal?: AbortSignal): Promise<number> {
  return client.call({
    proc: 1,
    encodeArgs: (e) => e.writeUint(value),
    decodeResult: (d) => d.readUint('echo'),
    signal,
  });
}

/** Settle a promise for inspection without awaiting it. */
export function track<T>(p: Promise<T>): { value?: T; error?: unknown; done: boolean } {
  const state: { value?: T; error?: unknown; done: boolean } = { done: false };
  p.then(
    (v) => Object.assign(state, { value: v, done: true }),
    (e) => Object.assign(state, { error: e, done: true }),
  );
  return state;
}
