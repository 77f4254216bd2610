import { crc32 } from 'node:zlib';

/**
 * The ICRC covers the IPv4 Identification (IBA A17.3.3 masks only TOS, TTL and the checksums), but a
 * node:dgram receiver never sees the IP header. CRC-32 is affine over GF(2), so for a fixed length
 * `icrc(id) = icrc(0) ⊕ L(id)` with `L` linear in the 16 ID bits. Given the ICRC computed with ID 0
 * and the one on the wire, this finds the ID (if any) that reconciles them: a packet passes only if
 * some IPv4 ID makes its ICRC right — a 2^-16 weaker check than rxe's, never a skipped one.
 */

/** Bytes before the IPv4 header in the CRC input (the masked LRH placeholder, rxe_icrc.c). */
const LRH_PLACEHOLDER_BYTES = 8;
/** Byte offset of the IPv4 Identification in the CRC input (RFC 791: bytes 4–5 of the header). */
const ID_OFFSET = LRH_PLACEHOLDER_BYTES + 4;
const ID_BITS = 16;
/** Distinct CRC lengths remembered (one per packet size seen; a run uses few). */
const MAX_CACHED_LENGTHS = 256;

interface Basis {
  /** Reduced rows: vector, its pivot bit, and which ID bits it is made of. */
  readonly vectors: Uint32Array;
  readonly pivots: Uint32Array;
  readonly combos: Uint32Array;
  readonly rank: number;
}

export class Ipv4IdSolver {
  readonly #bases = new Map<number, Basis>();
  #zeros = new Uint8Array(8192);

  /**
   * The IPv4 Identification (0..65535) under which `received` is the correct ICRC, given `withZeroId`
   * (the ICRC computed over the same bytes with Identification 0) and `crcInputLength` (8 + IP + UDP
   * headers + transport without the ICRC); undefined if no ID does.
   */
  solve(crcInputLength: number, withZeroId: number, received: number): number | undefined {
    let diff = (withZeroId ^ received) >>> 0;
    if (diff === 0) return 0;
    const basis = this.#basis(crcInputLength);
    let id = 0;
    for (let r = 0; r < basis.rank; r++) {
      if ((diff & basis.pivots[r]!) !== 0) {
        diff = (diff ^ basis.vectors[r]!) >>> 0;
        id ^= basis.combos[r]!;
      }
    }
    return diff === 0 ? id : undefined;
  }

  #basis(length: number): Basis {
    const cached = this.#bases.get(length);
    if (cached) return cached;
    if (this.#zeros.length < length) this.#zeros = new Uint8Array(length);
    const zeros = this.#zeros.subarray(0, length);
    const base = crc32(zeros) >>> 0;
    const rows: { vector: number; combo: number }[] = [];
    for (let bit = 0; bit < ID_BITS; bit++) {
      // ID is big-endian: value bits 15..8 in the first byte, 7..0 in the second.
      const at = ID_OFFSET + (bit >= 8 ? 0 : 1);
      const mask = 1 << (bit & 7);
      zeros[at] = mask;
      rows.push({ vector: (crc32(zeros) ^ base) >>> 0, combo: 1 << bit });
      zeros[at] = 0;
    }
    // Gaussian elimination over GF(2), keeping track of which ID bits make up each reduced row.
    const vectors = new Uint32Array(ID_BITS);
    const pivots = new Uint32Array(ID_BITS);
    const combos = new Uint32Array(ID_BITS);
    let rank = 0;
    for (const row of rows) {
      let { vector, combo } = row;
      for (let r = 0; r < rank; r++) {
        if ((vector & pivots[r]!) !== 0) {
          vector = (vector ^ vectors[r]!) >>> 0;
          combo ^= combos[r]!;
        }
      }
      if (vector === 0) continue;
      const pivot = (1 << (31 - Math.clz32(vector))) >>> 0;
      // Keep earlier rows free of the new pivot so a single forward pass solves.
      for (let r = 0; r < rank; r++) {
        if ((vectors[r]! & pivot) !== 0) {
          vectors[r] = (vectors[r]! ^ vector) >>> 0;
          combos[r] = combos[r]! ^ combo;
        }
      }
      vectors[rank] = vector;
      pivots[rank] = pivot;
      combos[rank] = combo;
      rank++;
    }
    const basis: Basis = { vectors, pivots, combos, rank };
    if (this.#bases.size >= MAX_CACHED_LENGTHS) this.#bases.clear();
    this.#bases.set(length, basis);
    return basis;
  }
}
