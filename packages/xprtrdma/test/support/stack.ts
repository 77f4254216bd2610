import { SimFabric, type SimFabricOptions, type SimHost, type SimHostOptions } from '@rdmalab/hca-sim';
import { MemoryRingSink, Tracer } from '@rdmalab/kernel';
import { RpcClient, type RpcProcedureHandler, RpcServer, XdrDecoder, type XdrEncoder } from '@rdmalab/sunrpc';
import {
  buildPolicies,
  type PolicySpec,
  type RdmaClientOptions,
  RdmaClientTransport,
  type RdmaServerOptions,
  RdmaServerTransport,
} from '../../src/index.js';

export const TEST_PROG = 0x20000099;
export const TEST_VERS = 1;
/** Echo: returns its opaque argument. */
export const PROC_ECHO = 1;

export interface StackOptions {
  readonly spec: PolicySpec;
  readonly fabric?: SimFabricOptions;
  readonly clientHost?: Partial<SimHostOptions>;
  readonly serverHost?: Partial<SimHostOptions>;
  readonly client?: Partial<RdmaClientOptions>;
  readonly server?: Partial<RdmaServerOptions>;
  readonly flagBitSleepAfterNs?: number;
  /** Program and version the echo program is registered as (default TEST_PROG/TEST_VERS). */
  readonly program?: { readonly program: number; readonly version: number };
  /** Extra procedures for the test program. */
  readonly procedures?: Record<number, { name: string; handler: RpcProcedureHandler }>;
}

export interface Stack {
  readonly fabric: SimFabric;
  readonly clientHost: SimHost;
  readonly serverHost: SimHost;
  readonly transport: RdmaClientTransport;
  readonly serverTransport: RdmaServerTransport;
  readonly client: RpcClient;
  readonly server: RpcServer;
  readonly trace: MemoryRingSink;
}

/** Client and server over the simulated HCA, connected, with an echo program. */
export async function buildStack(options: StackOptions): Promise<Stack> {
  const fabric = new SimFabric({ seed: 7, ...options.fabric });
  const clientHost = fabric.addHost('client', { ip: '10.0.0.1', memoryPages: 2048, ...options.clientHost });
  const serverHost = fabric.addHost('server', { ip: '10.0.0.2', memoryPages: 2048, ...options.serverHost });
  const scheduler = fabric.scheduler;
  const tracer = new Tracer(scheduler);
  const trace = new MemoryRingSink(100_000);
  tracer.addSink(trace);
  const serverTransport = new RdmaServerTransport({
    cm: serverHost.cm,
    host: '10.0.0.2',
    port: 20049,
    scheduler,
    tracer,
    ...options.server,
  });
  const server = new RpcServer({ clock: scheduler });
  const prog = options.program ?? { program: TEST_PROG, version: TEST_VERS };
  server.addProgram({
    program: prog.program,
    version: prog.version,
    name: 'test',
    procedures: {
      [PROC_ECHO]: {
        name: 'ECHO',
        handler: (call, results) => {
          results.writeOpaque(call.args.readOpaque('data'));
        },
      },
      ...options.procedures,
    },
  });
  await server.listen(serverTransport);
  const policies = buildPolicies(options.spec, scheduler, {
    flagBitSleepAfterNs: options.flagBitSleepAfterNs ?? 0,
  });
  const transport = new RdmaClientTransport({
    cm: clientHost.cm,
    host: '10.0.0.2',
    port: 20049,
    scheduler,
    tracer,
    policies,
    maxRequests: 16,
    ...options.client,
  });
  const client = new RpcClient({
    transport,
    scheduler,
    program: prog.program,
    version: prog.version,
    firstXid: 0x1000,
    timeout: { initialNs: 200_000_000, maxNs: 1_000_000_000, retries: 5 },
  });
  const connected = transport.connect();
  let done = false;
  void connected.then(() => {
    done = true;
  });
  await fabric.settle(() => done, { timeoutNs: 1_000_000_000 });
  await connected;
  return { fabric, clientHost, serverHost, transport, serverTransport, client, server, trace };
}

/** Encode an opaque echo argument. */
export function echoArgs(data: Uint8Array): (enc: XdrEncoder) => void {
  return (enc) => enc.writeOpaque(data);
}

export function decodeEcho(dec: XdrDecoder): Uint8Array {
  return dec.readOpaque('data').slice();
}

/**
 * Run `calls` concurrently and let virtual time pass until all settle. A call still pending at
 * the timeout is reported rejected; rejections are handled at once (never unhandled).
 */
export async function runCalls<T>(
  stack: Stack,
  calls: Promise<T>[],
  timeoutNs = 10_000_000_000,
): Promise<PromiseSettledResult<T>[]> {
  let settled = 0;
  const results: (PromiseSettledResult<T> | undefined)[] = calls.map(() => undefined);
  calls.forEach((p, i) => {
    p.then(
      (value) => {
        results[i] = { status: 'fulfilled', value };
        settled++;
      },
      (reason: unknown) => {
        results[i] = { status: 'rejected', reason };
        settled++;
      },
    );
  });
  await stack.fabric.settle(() => settled === calls.length, { timeoutNs });
  return results.map(
    (r) => r ?? { status: 'rejected', reason: new Error('call did not settle in virtual time') },
  );
}

export { XdrDecoder };
