/** Packet sequence numbers: 24-bit, compared in a circular space (IBA 9.7.1; rxe_hdr.h BTH_PSN_MASK). */

/** BTH PSN field width is 24 bits (IBA 9.2 table 34). */
export const PSN_MASK = 0xffffff;

/** psn + n, wrapped to 24 bits. */
export function psnAdd(psn: number, n: number): number {
  return (psn + n) & PSN_MASK;
}

/**
 * Signed distance a - b in the 24-bit circular space, in -2^23 .. 2^23-1 (rxe psn_compare): positive
 * when a is after b.
 */
export function psnDiff(a: number, b: number): number {
  return ((a - b) << 8) >> 8;
}
