/**
 * rxe's UDP source port: fixed per QP, 0xC000 + (hash_32(qpn, 14) & 0x3fff) (rxe_qp.c rxe_qp_init_req),
 * so each QP is one ECMP/RSS flow and packet order within a QP is kept.
 */
import { RXE_ROCE_V2_SPORT } from './constants.js';
import { checkUint } from './field-checks.js';

/** include/linux/hash.h GOLDEN_RATIO_32 (since Linux 4.7; rxe arrived in 4.8). */
export const GOLDEN_RATIO_32 = 0x61c88647;

/** Linux hash_32(val, bits): the top `bits` bits of the 32-bit product val * GOLDEN_RATIO_32. */
export function hash32(value: number, bits: number): number {
  // Math.imul keeps the product exact mod 2^32; a plain `*` would lose low bits past 2^53.
  return (Math.imul(value, GOLDEN_RATIO_32) >>> 0) >>> (32 - bits);
}

/** UDP source port rxe uses for every packet of the QP `qpn`. */
export function rxeUdpSourcePort(qpn: number): number {
  checkUint('qpn', qpn, 24);
  return RXE_ROCE_V2_SPORT + (hash32(qpn, 14) & 0x3fff);
}
