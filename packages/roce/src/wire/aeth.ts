/**
 * AETH syndrome (IBA 9.3.5 table 42; rxe_hdr.h enum aeth_syndrome): bit 7 reserved, bits 6-5 the type,
 * bits 4-0 a credit count (ACK), an RNR timer code (RNR NAK) or a NAK code.
 */
import { RoceEncodeError } from './errors.js';

/** Syndrome type bits 6-5 (rxe_hdr.h AETH_TYPE_MASK 0xe0 with bit 7 reserved). */
export const AETH_TYPE_ACK = 0x00;
export const AETH_TYPE_RNR_NAK = 0x20;
export const AETH_TYPE_NAK = 0x60;
const AETH_TYPE_MASK = 0x60;
const AETH_VALUE_MASK = 0x1f;

/** ACK credit field meaning "no credit count" — the only value rxe sends (rxe_hdr.h AETH_ACK_UNLIMITED). */
export const AETH_ACK_UNLIMITED = 0x1f;

/** NAK codes, low 5 bits of a NAK syndrome (IBA 9.3.5.1 table 43; rxe_hdr.h AETH_NAK_*). */
export const AethNakCode = {
  PSN_SEQUENCE_ERROR: 0x00,
  INVALID_REQUEST: 0x01,
  REMOTE_ACCESS_ERROR: 0x02,
  REMOTE_OPERATIONAL_ERROR: 0x03,
  INVALID_RD_REQUEST: 0x04,
} as const;
export type AethNakName = keyof typeof AethNakCode;

/** Full NAK syndromes as rxe puts them on the wire (0x60 | code). */
export const AethSyndrome = {
  ACK_UNLIMITED: AETH_TYPE_ACK | AETH_ACK_UNLIMITED,
  NAK_PSN_SEQUENCE_ERROR: AETH_TYPE_NAK | AethNakCode.PSN_SEQUENCE_ERROR,
  NAK_INVALID_REQUEST: AETH_TYPE_NAK | AethNakCode.INVALID_REQUEST,
  NAK_REMOTE_ACCESS_ERROR: AETH_TYPE_NAK | AethNakCode.REMOTE_ACCESS_ERROR,
  NAK_REMOTE_OPERATIONAL_ERROR: AETH_TYPE_NAK | AethNakCode.REMOTE_OPERATIONAL_ERROR,
  NAK_INVALID_RD_REQUEST: AETH_TYPE_NAK | AethNakCode.INVALID_RD_REQUEST,
} as const;

/**
 * RNR NAK timer codes → delay in microseconds (IBA 9.7.5.2.8 table 45; ib_verbs.h enum ib_rnr_timeout;
 * rxe_comp.c rnrnak_usec). Code 0 is the longest, 655.36 ms.
 */
export const RNR_TIMER_MICROS: readonly number[] = Object.freeze([
  655360, 10, 20, 30, 40, 60, 80, 120, 160, 240, 320, 480, 640, 960, 1280, 1920, 2560, 3840, 5120, 7680,
  10240, 15360, 20480, 30720, 40960, 61440, 81920, 122880, 163840, 245760, 327680, 491520,
]);

function checkFiveBits(field: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0x1f) {
    throw new RoceEncodeError('EINVAL', field, `must be 0..31, got ${value}`);
  }
}

/** ACK syndrome with a credit count (0x1F = unlimited, as rxe sends). */
export function ackSyndrome(credit: number = AETH_ACK_UNLIMITED): number {
  checkFiveBits('credit', credit);
  return AETH_TYPE_ACK | credit;
}

/** RNR NAK syndrome with a 5-bit timer code (rxe: 0x20 | qp->attr.min_rnr_timer). */
export function rnrNakSyndrome(timerCode: number): number {
  checkFiveBits('timerCode', timerCode);
  return AETH_TYPE_RNR_NAK | timerCode;
}

/** NAK syndrome for a NAK code. */
export function nakSyndrome(code: AethNakName): number {
  return AETH_TYPE_NAK | AethNakCode[code];
}

export type AethMeaning =
  | { readonly type: 'ACK'; readonly credit: number }
  | { readonly type: 'RNR_NAK'; readonly timerCode: number; readonly delayMicros: number }
  | { readonly type: 'NAK'; readonly code: AethNakName | 'RESERVED'; readonly value: number }
  | { readonly type: 'RESERVED'; readonly value: number };

const NAK_NAMES: readonly AethNakName[] = Object.keys(AethNakCode) as AethNakName[];

/** What a syndrome means; bit 7 (reserved) is ignored as the receiver must. */
export function classifyAeth(syndrome: number): AethMeaning {
  const value = syndrome & AETH_VALUE_MASK;
  switch (syndrome & AETH_TYPE_MASK) {
    case AETH_TYPE_ACK:
      return { type: 'ACK', credit: value };
    case AETH_TYPE_RNR_NAK:
      return { type: 'RNR_NAK', timerCode: value, delayMicros: RNR_TIMER_MICROS[value]! };
    case AETH_TYPE_NAK:
      return { type: 'NAK', code: NAK_NAMES[value] ?? 'RESERVED', value };
    default:
      return { type: 'RESERVED', value };
  }
}
