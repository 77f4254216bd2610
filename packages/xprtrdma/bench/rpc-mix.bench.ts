import 'reflect-metadata';
import { PhysicalMemory, RealScheduler } from '@rdmalab/kernel';
import { RpcClient, RpcServer, TcpTransportClass } from '@rdmalab/sunrpc';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { type PolicySpec, PRESETS } from '../src/index.js';
import {
  chunkProcedures,
  decodeWriteResult,
  PROC_BIG,
  PROC_READ,
  PROC_WRITE,
  pagesWith,
  pattern,
  writeArgs,
} from '../test/support/procedures.js';
import {
  buildStack,
  decodeEcho,
  echoArgs,
  PROC_ECHO,
  type Stack,
  TEST_PROG,
  TEST_VERS,
} from '../test/support/stack.js';

/** One round of the NFS-sized mix: 4 × (100-byte call/reply, 32 KiB WRITE, 32 KiB READ) = 12 RPCs. */
const ROUNDS = 4;
const RPCS_PER_ITERATION = ROUNDS * 3;

interface Mix {
  client: RpcClient;
  writePages: ReturnType<typeof pagesWith>;
  readDst: { pages: ReturnType<typeof pagesWith>; base: number; length: number };
}

function issueMix(m: Mix): Promise<unknown>[] {
  const out: Promise<unknown>[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    out.push(
      m.client.call({
        proc: PROC_ECHO,
        encodeArgs: echoArgs(new Uint8Array(100).fill(i)),
        replyMaxBytes: 256,
        decodeResult: decodeEcho,
      }),
    );
    out.push(
      m.client.call({
        proc: PROC_WRITE,
        encodeArgs: writeArgs(m.writePages, 32768),
        replyMaxBytes: 128,
        decodeResult: decodeWriteResult,
      }),
    );
    out.push(
      m.client.call({
        proc: PROC_READ,
        encodeArgs: (enc) => {
          enc.writeUint(32768);
          enc.writeUint(i);
        },
        replyPages: m.readDst,
        replyMaxBytes: 256 + 32768,
        decodeResult: (dec) => {
          dec.readUint('count');
          dec.readBool('eof');
          return dec.readOpaqueInto('data', m.readDst);
        },
      }),
    );
  }
  return out;
}

async function simStack(spec: PolicySpec): Promise<{ stack: Stack; mix: Mix }> {
  let stack: Stack | undefined;
  stack = await buildStack({
    spec,
    fabric: { tap: false },
    client: { maxRequests: 32 },
    procedures: chunkProcedures(() => stack!.serverHost.memory),
  });
  const memory = stack.clientHost.memory;
  return {
    stack,
    mix: {
      client: stack.client,
      writePages: pagesWith(memory, pattern(32768, 1), 'bench:write'),
      readDst: { pages: memory.allocPages(8, 'bench:read'), base: 0, length: 32768 },
    },
  };
}

async function runSim(s: { stack: Stack; mix: Mix }): Promise<void> {
  let settled = 0;
  const calls = issueMix(s.mix).map((p) => p.finally(() => settled++));
  await s.stack.fabric.settle(() => settled === calls.length);
  await Promise.all(calls);
}

const batched: PolicySpec = PRESETS['linux-7.2'];
const everySend: PolicySpec = { ...PRESETS['linux-7.2'], sendLifetime: 'two-owner', signaling: 'every-send' };
let simBatch: Awaited<ReturnType<typeof simStack>> | undefined;
let simEvery: Awaited<ReturnType<typeof simStack>> | undefined;
let tcp: { mix: Mix; server: RpcServer; scheduler: RealScheduler } | undefined;

async function tcpStack(): Promise<NonNullable<typeof tcp>> {
  const scheduler = new RealScheduler();
  const memory = new PhysicalMemory({ totalPages: 1024, name: 'tcp-bench' });
  const klass = new TcpTransportClass();
  const server = new RpcServer({ clock: scheduler });
  server.addProgram({
    program: TEST_PROG,
    version: TEST_VERS,
    procedures: {
      [PROC_ECHO]: { name: 'ECHO', handler: (call, res) => res.writeOpaque(call.args.readOpaque('data')) },
      ...chunkProcedures(() => memory),
    },
  });
  const addr = await server.listen(klass.createServer({ host: '127.0.0.1', port: 0, scheduler }));
  const client = new RpcClient({
    transport: klass.createClient({ host: '127.0.0.1', port: addr.port, scheduler }),
    scheduler,
    program: TEST_PROG,
    version: TEST_VERS,
  });
  return {
    server,
    scheduler,
    mix: {
      client,
      writePages: pagesWith(memory, pattern(32768, 1), 'bench:write'),
      readDst: { pages: memory.allocPages(8, 'bench:read'), base: 0, length: 32768 },
    },
  };
}

/**
 * Both stacks are built and warmed up, alternately, before anything is measured: the policies
 * share almost all their code, and whichever bench ran first used to pay for its JIT compilation
 * (and the first iteration for the connection setup) — which made batching look 1.6–2× slower.
 */
const WARMUP_ROUNDS = 150;
const BENCH_OPTIONS = { time: 1500, warmupTime: 1000 };
const measured = new Map<string, { rpcs: number; completions: number }>();

function countFrom(name: string, s: Awaited<ReturnType<typeof simStack>>): () => void {
  const st = s.stack.transport.xprt.stats;
  const start = { rpcs: st.rpcs_completed, completions: st.send_completions };
  return () =>
    measured.set(name, {
      rpcs: st.rpcs_completed - start.rpcs,
      completions: st.send_completions - start.completions,
    });
}

beforeAll(async () => {
  simBatch = await simStack(batched);
  simEvery = await simStack(everySend);
  tcp = await tcpStack();
  for (let i = 0; i < WARMUP_ROUNDS; i++) {
    await runSim(simBatch);
    await runSim(simEvery);
    await Promise.all(issueMix(tcp.mix));
  }
}, 120_000);

describe(`NFS-sized RPC mix (${RPCS_PER_ITERATION} RPCs per iteration: 100 B call/reply, 32 KiB WRITE, 32 KiB READ)`, () => {
  let stopBatch: (() => void) | undefined;
  let stopEvery: (() => void) | undefined;
  bench(
    'rdma over hca-sim, signal once per batch (linux-7.2)',
    async () => {
      stopBatch ??= countFrom('batch', simBatch!);
      await runSim(simBatch!);
      stopBatch();
    },
    BENCH_OPTIONS,
  );
  bench(
    'rdma over hca-sim, signal every Send (two-owner, nvme-rdma style)',
    async () => {
      stopEvery ??= countFrom('every-send', simEvery!);
      await runSim(simEvery!);
      stopEvery();
    },
    BENCH_OPTIONS,
  );
  bench(
    'tcp on loopback (sunrpc TCP transport)',
    async () => {
      await Promise.all(issueMix(tcp!.mix));
    },
    BENCH_OPTIONS,
  );
  void PROC_BIG;
});

afterAll(async () => {
  for (const [name, s] of [
    ['batch', simBatch],
    ['every-send', simEvery],
  ] as const) {
    if (s === undefined) continue;
    const st = s.stack.transport.xprt.stats;
    const m = measured.get(name);
    console.log(
      `[xprtrdma bench] ${name}: measured ${m?.rpcs ?? 0} RPCs, ${((m?.completions ?? 0) / Math.max(1, m?.rpcs ?? 0)).toFixed(3)} Send completions per RPC; whole run signaled ${st.signaled_sends}/${st.sends} Sends, batch ${s.stack.transport.xprt.ep?.signal.batch}, req_pool_empty ${st.req_pool_empty}, empty_sendctx_q ${st.empty_sendctx_q}`,
    );
  }
  if (tcp) {
    await tcp.mix.client.shutdown();
    await tcp.server.close();
  }
});
