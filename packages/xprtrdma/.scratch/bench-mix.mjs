// Drives the bench workload (rpc-mix.bench.ts) from dist, for node --cpu-prof.
import 'reflect-metadata';
import { SimFabric } from '@rdmalab/hca-sim';
import { PAGE_SIZE } from '@rdmalab/kernel';
import { RpcClient, RpcServer, XDRBUF_READ, XDRBUF_WRITE } from '@rdmalab/sunrpc';
import { buildPolicies, PRESETS, RdmaClientTransport, RdmaServerTransport } from '@rdmalab/xprtrdma';

const PROG = 0x20000099;
const pattern = (n, seed) => {
  const o = new Uint8Array(n);
  for (let i = 0; i < n; i++) o[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return o;
};
function pagesWith(memory, bytes, owner) {
  const out = [];
  for (let at = 0; at < bytes.length; at += PAGE_SIZE) {
    const p = memory.alloc(owner);
    p.bytes.fill(0);
    p.bytes.set(bytes.subarray(at, at + PAGE_SIZE));
    out.push(p);
  }
  return out;
}

async function stack(spec, label) {
  const fabric = new SimFabric({ seed: 7, tap: false });
  const ch = fabric.addHost('client', { ip: '10.0.0.1', memoryPages: 2048 });
  const sh = fabric.addHost('server', { ip: '10.0.0.2', memoryPages: 2048 });
  const scheduler = fabric.scheduler;
  const server = new RpcServer({ clock: scheduler });
  server.addProgram({
    program: PROG,
    version: 1,
    procedures: {
      1: { name: 'ECHO', handler: (c, r) => r.writeOpaque(c.args.readOpaque('data')) },
      2: {
        name: 'WRITE',
        handler: (c, r) => {
          const d = c.args.readOpaque('data');
          r.writeUint(d.length);
          r.writeUint(0);
        },
      },
      3: {
        name: 'READ',
        handler: (c, r) => {
          const len = c.args.readUint('l');
          const seed = c.args.readUint('s');
          const pages = pagesWith(sh.memory, pattern(len, seed), 'srv');
          r.writeUint(len);
          r.writeBool(true);
          r.writeOpaquePages(pages, 0, len, XDRBUF_READ);
          c.afterReply(() => {
            for (const p of pages) sh.memory.free(p);
          });
        },
      },
    },
  });
  await server.listen(new RdmaServerTransport({ cm: sh.cm, host: '10.0.0.2', port: 20049, scheduler }));
  const transport = new RdmaClientTransport({
    cm: ch.cm,
    host: '10.0.0.2',
    port: 20049,
    scheduler,
    policies: buildPolicies(spec, scheduler),
    maxRequests: 32,
  });
  const client = new RpcClient({
    transport,
    scheduler,
    program: PROG,
    version: 1,
    firstXid: 0x1000,
    timeout: { initialNs: 200e6, maxNs: 1e9, retries: 5 },
  });
  const writePages = pagesWith(ch.memory, pattern(32768, 1), 'w');
  const readDst = { pages: ch.memory.allocPages(8, 'r'), base: 0, length: 32768 };
  return { label, fabric, transport, client, writePages, readDst };
}

function mix(s) {
  const out = [];
  for (let i = 0; i < 4; i++) {
    out.push(
      s.client.call({
        proc: 1,
        encodeArgs: (e) => e.writeOpaque(new Uint8Array(100).fill(i)),
        replyMaxBytes: 256,
        decodeResult: (d) => d.readOpaque('data'),
      }),
    );
    out.push(
      s.client.call({
        proc: 2,
        encodeArgs: (e) => e.writeOpaquePages(s.writePages, 0, 32768, XDRBUF_WRITE),
        replyMaxBytes: 128,
        decodeResult: (d) => d.readUint('n'),
      }),
    );
    out.push(
      s.client.call({
        proc: 3,
        encodeArgs: (e) => {
          e.writeUint(32768);
          e.writeUint(i);
        },
        replyPages: s.readDst,
        replyMaxBytes: 256 + 32768,
        decodeResult: (d) => {
          d.readUint('c');
          d.readBool('e');
          return d.readOpaqueInto('data', s.readDst);
        },
      }),
    );
  }
  return out;
}
async function iteration(s) {
  let settled = 0;
  const calls = mix(s).map((p) => p.finally(() => settled++));
  await s.fabric.settle(() => settled === calls.length);
  await Promise.all(calls);
}

const which = process.argv[2] ?? 'both';
const iters = Number(process.argv[3] ?? 300);
const specs = {
  batch: PRESETS['linux-7.2'],
  every: { ...PRESETS['linux-7.2'], sendLifetime: 'two-owner', signaling: 'every-send' },
};
const stacks = [];
for (const name of which === 'both' ? ['batch', 'every'] : [which])
  stacks.push(await stack(specs[name], name));
for (const s of stacks) for (let i = 0; i < 20; i++) await iteration(s); // warm-up
const rounds = Number(process.argv[4] ?? 3);
const totals = new Map();
for (let round = 0; round < rounds; round++) {
  for (const s of stacks) {
    const st = s.transport.xprt.stats;
    const before = {
      rpcs: st.rpcs_completed,
      comp: st.send_completions,
      vt: s.fabric.scheduler.now(),
      empty: st.empty_sendctx_q,
    };
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < iters; i++) await iteration(s);
    const ms = performance.now() - t0;
    const cu = process.cpuUsage(c0);
    const cpuMs = (cu.user + cu.system) / 1000;
    const rpcs = st.rpcs_completed - before.rpcs;
    const tot = totals.get(s.label) ?? { rpcs: 0, cpu: 0, comp: 0 };
    tot.rpcs += rpcs;
    tot.cpu += cpuMs;
    tot.comp += st.send_completions - before.comp;
    totals.set(s.label, tot);
    console.log(
      `${s.label.padEnd(5)} round ${round}: ${((rpcs / ms) * 1000).toFixed(0)} RPC/s wall, ${((rpcs / cpuMs) * 1000).toFixed(0)} RPC/cpu-s, ${((st.send_completions - before.comp) / rpcs).toFixed(3)} completions/RPC, virtual ${((s.fabric.scheduler.now() - before.vt) / rpcs / 1000).toFixed(1)} us/RPC, empty_sendctx_q +${st.empty_sendctx_q - before.empty}, batch ${s.transport.xprt.ep.signal.batch}, signaled ${st.signaled_sends}/${st.sends}`,
    );
  }
}
for (const [k, t] of totals)
  console.log(
    `TOTAL ${k}: ${((t.rpcs / t.cpu) * 1000).toFixed(0)} RPC per CPU-second, ${(t.comp / t.rpcs).toFixed(3)} completions/RPC`,
  );
