// A client alone in its own process, so its RSS is the client's: mount the bench's server over
// TCP, write a file with 1 MiB writes, read it back, print RSS figures as one JSON line.
// Run by nfs.bench.ts against the built package (dist/): node client-rss-probe.mjs PORT CACHE_MIB FILE_MIB
import 'reflect-metadata';
import { mountNfs } from '@rdmalab/nfs';

const [port, cacheMiB, fileMiB] = process.argv.slice(2).map(Number);
const MIB = 1 << 20;
const baseline = process.memoryUsage().rss;
let sampled = baseline;
const sampler = setInterval(() => {
  sampled = Math.max(sampled, process.memoryUsage().rss);
}, 5);

const fs = await mountNfs({
  host: '127.0.0.1',
  port,
  mountPort: port,
  path: '/export',
  cacheBytes: cacheMiB * MIB,
});
const chunk = new Uint8Array(MIB).map((_, i) => i & 0xff);
const name = `/rss-${process.pid}.bin`;
const w = await fs.open(name, 'w');
for (let at = 0; at < fileMiB * MIB; at += MIB) await w.write(chunk, 0, MIB, at);
await w.close();
const r = await fs.open(name, 'r');
const into = new Uint8Array(MIB);
for (let at = 0; at < fileMiB * MIB; at += MIB) await r.read(into, 0, MIB, at);
await r.close();
const cache = fs.cacheStats;
await fs.unlink(name);
await fs.unmount();
clearInterval(sampler);
console.log(
  JSON.stringify({
    cacheMiB,
    fileMiB,
    baselineRss: baseline,
    sampledPeakRss: sampled,
    maxRss: process.resourceUsage().maxRSS * 1024,
    cachePagesLimit: cache.limit,
    evictions: cache.evictions,
  }),
);
