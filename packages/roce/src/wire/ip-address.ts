/** Textual IPv4/IPv6/MAC addresses ⇄ bytes, and RoCEv2 GIDs (IPv4-mapped IPv6, RFC 4291 2.5.5.2). */
import { RoceEncodeError } from './errors.js';

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

// Encoders parse the same few peer addresses for every packet: remember them (bounded).
const IPV4_CACHE_LIMIT = 1024;
const ipv4Cache = new Map<string, Uint8Array>();

/** Parses dotted-quad IPv4 into 4 bytes (a fresh copy); throws RoceEncodeError EINVAL naming `field`. */
export function parseIpv4(text: string, field = 'address'): Uint8Array {
  const cached = ipv4Cache.get(text);
  if (cached) return cached.slice();
  const parsed = parseIpv4Uncached(text, field);
  if (ipv4Cache.size >= IPV4_CACHE_LIMIT) ipv4Cache.clear();
  ipv4Cache.set(text, parsed.slice());
  return parsed;
}

function parseIpv4Uncached(text: string, field: string): Uint8Array {
  const m = IPV4_RE.exec(text);
  const out = new Uint8Array(4);
  if (m) {
    for (let i = 0; i < 4; i++) {
      const octet = Number(m[i + 1]);
      if (octet > 255) break;
      out[i] = octet;
      if (i === 3) return out;
    }
  }
  throw new RoceEncodeError('EINVAL', field, `not an IPv4 address: ${JSON.stringify(text)}`);
}

export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/** Parses an IPv6 address (with `::` and an optional dotted-quad tail) into 16 bytes. */
export function parseIpv6(text: string, field = 'address'): Uint8Array {
  const fail = (): never => {
    throw new RoceEncodeError('EINVAL', field, `not an IPv6 address: ${JSON.stringify(text)}`);
  };
  const halves = text.split('::');
  if (halves.length > 2) fail();
  const words = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    const groups = part.split(':');
    groups.forEach((g, i) => {
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g, field);
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
        out.push(Number.parseInt(g, 16));
      } else {
        fail();
      }
    });
    return out;
  };
  const head = words(halves[0]!);
  const tail = halves.length === 2 ? words(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 2 && fill < 1) || (halves.length === 1 && fill !== 0)) fail();
  const all = [...head, ...new Array<number>(Math.max(fill, 0)).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

function isIpv4Mapped(bytes: Uint8Array, offset: number): boolean {
  for (let i = 0; i < 10; i++) if (bytes[offset + i] !== 0) return false;
  return bytes[offset + 10] === 0xff && bytes[offset + 11] === 0xff;
}

/** Formats 16 bytes as IPv6 (RFC 5952: lowercase, longest zero run as `::`); IPv4-mapped as ::ffff:a.b.c.d. */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  if (isIpv4Mapped(bytes, offset)) return `::ffff:${formatIpv4(bytes, offset + 12)}`;
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((bytes[offset + i * 2]! << 8) | bytes[offset + i * 2 + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** The RoCEv2 GID of an IPv4 address: ::ffff:a.b.c.d (IBA Annex A17.4.5.1). */
export function ipv4ToGid(ipv4: string): string {
  parseIpv4(ipv4, 'ipv4');
  return `::ffff:${ipv4}`;
}

/** Parses a GID given as IPv6 text, or as a bare IPv4 address (mapped). */
export function parseGid(text: string, field = 'gid'): Uint8Array {
  return text.includes(':') ? parseIpv6(text, field) : parseIpv6(`::ffff:${text}`, field);
}

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
// Frames of a capture carry the same few MACs over and over: remember them (bounded), as for IPv4.
const MAC_CACHE_LIMIT = 1024;
const macCache = new Map<string, Uint8Array>();

/** Parses aa:bb:cc:dd:ee:ff into 6 bytes (a fresh copy). */
export function parseMac(text: string, field = 'mac'): Uint8Array {
  return macBytes(text, field).slice();
}

/**
 * The 6 bytes of a MAC address, shared from the cache: for encoders that copy them into a frame and
 * never write to them. Throws RoceEncodeError EINVAL naming `field`.
 */
export function macBytes(text: string, field = 'mac'): Uint8Array {
  const cached = macCache.get(text);
  if (cached) return cached;
  if (!MAC_RE.test(text)) {
    throw new RoceEncodeError('EINVAL', field, `not a MAC address: ${JSON.stringify(text)}`);
  }
  const parsed = Uint8Array.from(text.split(':'), (h) => Number.parseInt(h, 16));
  if (macCache.size >= MAC_CACHE_LIMIT) macCache.clear();
  macCache.set(text, parsed);
  return parsed;
}

export function formatMac(bytes: Uint8Array, offset = 0): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push(bytes[offset + i]!.toString(16).padStart(2, '0'));
  return parts.join(':');
}
