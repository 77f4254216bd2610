import type { Clock } from '@rdmalab/kernel';
import type { XdrBuf } from '../xdr/xdr-buf.js';
import { ReplyCacheError } from './reply-cache-error.js';

/** Argument bytes folded into the checksum, as nfsd's RC_CSUMLEN (fs/nfsd/cache.h). */
export const DRC_CHECKSUM_BYTES = 256;
/** Entries older than this are dropped, as nfsd's RC_EXPIRE (120 s). */
export const DRC_MAX_AGE_NS = 120_000_000_000;
/** Default bound on entries (nfsd sizes by memory; this is a fixed, predictable bound). */
export const DRC_MAX_ENTRIES = 1024;

export interface ReplyCacheOptions {
  /** Most entries kept; the least recently used completed entry goes first. Default 1024. */
  readonly maxEntries?: number;
  /** Entries older than this (ns since the call arrived or last hit) are dropped. Default 120 s. */
  readonly maxAgeNs?: number;
  /** How many argument bytes the checksum covers. Default 256. */
  readonly checksumBytes?: number;
}

/** What identifies one request: who sent it (IP, not connection), its xid, procedure and arguments. */
export interface ReplyCacheKey {
  /** Client IP address without the port, so the identity survives a reconnect. */
  readonly host: string;
  readonly xid: number;
  readonly prog: number;
  readonly vers: number;
  readonly proc: number;
  /** Length of the argument bytes (nfsd's k_len). */
  readonly argsLength: number;
  /** Checksum of the first `checksumBytes` argument bytes (nfsd's k_csum). */
  readonly checksum: number;
}

/** Counters of the duplicate request cache (nfsd's /proc/fs/nfsd/reply_cache_stats). */
export interface ReplyCacheCounters {
  /** Retransmissions answered with a cached reply. */
  readonly hits: number;
  /** Cacheable calls not found, which ran. */
  readonly misses: number;
  /** Retransmissions dropped because the original was still running. */
  readonly inProgressDrops: number;
  /** Completed entries pushed out by the size bound. */
  readonly evictions: number;
  /** Entries dropped by the age limit. */
  readonly expirations: number;
  /** Entries now held (running or completed). */
  readonly entries: number;
}

/** The answer to a lookup. */
export type ReplyCacheLookup =
  /** Not seen: run it, then `complete` (or `abandon`) the entry. */
  | { readonly kind: 'miss'; readonly entry: ReplyCacheEntry }
  /** The original is still running: drop this copy; the original's reply answers it. */
  | { readonly kind: 'in-progress' }
  /** Already answered: send these bytes again. */
  | { readonly kind: 'hit'; readonly reply: Uint8Array };

/** One cached request; opaque to callers except to hand back. */
export interface ReplyCacheEntry {
  readonly key: string;
}

interface Slot extends ReplyCacheEntry {
  reply: Uint8Array | null;
  /** When the call arrived or last hit (clock ns); list order is this order. */
  touched: number;
  older: Slot | null;
  newer: Slot | null;
}

/**
 * A duplicate request cache (DRC), as Linux nfsd's fs/nfsd/nfscache.c: a retransmitted
 * non-idempotent call gets the reply of the first execution instead of running again (a
 * retransmitted CREATE must not answer EXIST, a REMOVE must not answer NOENT). Entries are keyed
 * by client IP, xid, program, version, procedure and an argument checksum; they are bounded in
 * number (LRU among completed entries) and in age.
 */
export class ReplyCache {
  readonly maxEntries: number;
  readonly maxAgeNs: number;
  readonly checksumBytes: number;
  private readonly slots = new Map<string, Slot>();
  /**
   * LRU list, oldest first (nfsd's lru list). Kept apart from the Map because deleting from the
   * front of a JS Map leaves holes that every later iteration has to skip.
   */
  private oldest: Slot | null = null;
  private newest: Slot | null = null;
  private hits = 0;
  private misses = 0;
  private inProgressDrops = 0;
  private evictions = 0;
  private expirations = 0;

  constructor(
    private readonly clock: Clock,
    options: ReplyCacheOptions = {},
  ) {
    this.maxEntries = positiveInteger('maxEntries', options.maxEntries ?? DRC_MAX_ENTRIES);
    this.maxAgeNs = positiveInteger('maxAgeNs', options.maxAgeNs ?? DRC_MAX_AGE_NS);
    this.checksumBytes = positiveInteger('checksumBytes', options.checksumBytes ?? DRC_CHECKSUM_BYTES);
  }

  get counters(): ReplyCacheCounters {
    return {
      hits: this.hits,
      misses: this.misses,
      inProgressDrops: this.inProgressDrops,
      evictions: this.evictions,
      expirations: this.expirations,
      entries: this.slots.size,
    };
  }

  /** The key of a call whose arguments start at `argsOffset` in `buf`. */
  keyOf(
    remoteAddress: string,
    header: { xid: number; prog: number; vers: number; proc: number },
    buf: XdrBuf,
    argsOffset: number,
  ): ReplyCacheKey {
    return {
      host: hostOf(remoteAddress),
      xid: header.xid,
      prog: header.prog,
      vers: header.vers,
      proc: header.proc,
      argsLength: buf.length - argsOffset,
      checksum: argsChecksum(buf, argsOffset, this.checksumBytes),
    };
  }

  /** Find a request; on a miss, an in-progress entry is stored for it. */
  lookup(key: ReplyCacheKey): ReplyCacheLookup {
    const now = this.clock.now();
    this.expire(now);
    const id = `${key.host}|${key.xid}|${key.prog}|${key.vers}|${key.proc}|${key.argsLength}|${key.checksum}`;
    const found = this.slots.get(id);
    if (found !== undefined) {
      if (found.reply === null) {
        this.inProgressDrops++;
        return { kind: 'in-progress' };
      }
      this.hits++;
      found.touched = now;
      this.unlink(found);
      this.append(found);
      return { kind: 'hit', reply: found.reply };
    }
    this.misses++;
    const slot: Slot = { key: id, reply: null, touched: now, older: null, newer: null };
    this.slots.set(id, slot);
    this.append(slot);
    this.evictOverflow();
    return { kind: 'miss', entry: slot };
  }

  /**
   * Store the reply of a call that ran. A reply with pages is flattened into a copy (its pages go
   * back to their allocator after sending); a head-only reply is kept as is, since the encoder
   * that made it belongs to that one call and transports only read replies.
   */
  complete(entry: ReplyCacheEntry, reply: XdrBuf): void {
    const slot = this.slots.get(entry.key);
    if (slot === undefined || slot !== entry) return;
    slot.reply = reply.toBytes();
    // The entry keeps its place and arrival time, so list order stays `touched` order (expiry
    // relies on it); the age limit then counts from the call's arrival.
    this.evictOverflow();
  }

  /** Forget a call whose reply is not worth keeping (an RPC-level error): a retransmission runs again. */
  abandon(entry: ReplyCacheEntry): void {
    const slot = this.slots.get(entry.key);
    if (slot === entry) this.remove(slot);
  }

  /** Drop every entry. */
  clear(): void {
    this.slots.clear();
    this.oldest = null;
    this.newest = null;
  }

  private expire(now: number): void {
    let slot = this.oldest;
    while (slot !== null && now - slot.touched >= this.maxAgeNs) {
      const next = slot.newer;
      // A call still running past the age limit keeps its entry: dropping it would let a
      // retransmission run the procedure a second time.
      if (slot.reply !== null) {
        this.remove(slot);
        this.expirations++;
      }
      slot = next;
    }
  }

  private evictOverflow(): void {
    let slot = this.oldest;
    while (slot !== null && this.slots.size > this.maxEntries) {
      const next = slot.newer;
      // Running calls are bounded by concurrency, not evicted.
      if (slot.reply !== null) {
        this.remove(slot);
        this.evictions++;
      }
      slot = next;
    }
  }

  private remove(slot: Slot): void {
    this.slots.delete(slot.key);
    this.unlink(slot);
  }

  private append(slot: Slot): void {
    slot.older = this.newest;
    slot.newer = null;
    if (this.newest !== null) this.newest.newer = slot;
    else this.oldest = slot;
    this.newest = slot;
  }

  private unlink(slot: Slot): void {
    if (slot.older !== null) slot.older.newer = slot.newer;
    else this.oldest = slot.newer;
    if (slot.newer !== null) slot.newer.older = slot.older;
    else this.newest = slot.older;
    slot.older = null;
    slot.newer = null;
  }
}

/** "ip:port" or "[ip6]:port" → the IP: a reconnect changes the port, not the client. */
export function hostOf(remoteAddress: string): string {
  if (remoteAddress.startsWith('[')) {
    const close = remoteAddress.indexOf(']');
    return close > 0 ? remoteAddress.slice(1, close) : remoteAddress;
  }
  const colon = remoteAddress.lastIndexOf(':');
  if (colon <= 0) return remoteAddress;
  for (let i = colon + 1; i < remoteAddress.length; i++) {
    const c = remoteAddress.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return remoteAddress; // not "host:port"
  }
  return colon + 1 < remoteAddress.length ? remoteAddress.slice(0, colon) : remoteAddress;
}

/** FNV-1a over the first `limit` bytes from `offset` (nfsd uses csum_partial; any good hash serves). */
export function argsChecksum(buf: XdrBuf, offset: number, limit: number): number {
  let h = 0x811c9dc5;
  let skip = offset;
  let left = limit;
  for (const seg of buf.segments()) {
    if (left === 0) break;
    if (skip >= seg.length) {
      skip -= seg.length;
      continue;
    }
    const end = Math.min(seg.length, skip + left);
    for (let i = skip; i < end; i++) {
      h ^= seg[i]!;
      h = Math.imul(h, 0x01000193);
    }
    left -= end - skip;
    skip = 0;
  }
  return h >>> 0;
}

function positiveInteger(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ReplyCacheError(
      'EINVAL',
      `ReplyCacheOptions.${field} must be a positive integer, got ${value}`,
    );
  }
  return value;
}
