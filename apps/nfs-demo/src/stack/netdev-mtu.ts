import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

function ipv4ToUint(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/**
 * The MTU of the network device that holds IPv4 address `ip` (its own address or its subnet, e.g.
 * 127.0.0.2 on lo's 127.0.0.0/8), read from /sys/class/net/DEV/mtu — what Linux rxe derives the
 * RoCE path MTU from. Undefined when no device has the address or the MTU cannot be read.
 */
export function netdevMtuOf(ip: string): number | undefined {
  const wanted = ipv4ToUint(ip);
  if (wanted === undefined) return undefined;
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family !== 'IPv4' || a.cidr === null) continue;
      const base = ipv4ToUint(a.address);
      const bits = Number(a.cidr.split('/')[1]);
      if (base === undefined || !Number.isInteger(bits)) continue;
      // 2^32 arithmetic in doubles: bitwise ops would sign-extend.
      const block = 2 ** (32 - bits);
      if (Math.floor(base / block) !== Math.floor(wanted / block)) continue;
      try {
        const mtu = Number(readFileSync(`/sys/class/net/${name}/mtu`, 'utf8').trim());
        return Number.isInteger(mtu) && mtu > 0 ? mtu : undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
