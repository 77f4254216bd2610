/** Path MTU and how a message is cut into packets (IBA 9.7.2; rxe_req.c, rxe_resp.c check_length). */
import { RoceEncodeError } from './errors.js';

/** IB MTU enum (IBA 7.7.4; ib_verbs.h enum ib_mtu): 1=256 … 5=4096 bytes of payload per packet. */
export const IbMtu = {
  MTU_256: 1,
  MTU_512: 2,
  MTU_1024: 3,
  MTU_2048: 4,
  MTU_4096: 5,
} as const;
export type IbMtu = (typeof IbMtu)[keyof typeof IbMtu];

/** Largest message an RC QP may carry: 2^31 bytes (IBA 9.4; ib_verbs.h max_msg_sz of rxe). */
export const IB_MAX_MESSAGE_BYTES = 0x80000000;

/** Payload bytes per packet for an MTU enum value. */
export function mtuBytes(mtu: IbMtu): number {
  if (!Number.isInteger(mtu) || mtu < 1 || mtu > 5) {
    throw new RoceEncodeError('EINVAL', 'mtu', `IB MTU enum must be 1..5 (256..4096), got ${mtu}`);
  }
  return 128 << mtu;
}

/** Largest IB MTU enum whose payload fits `bytes` (rxe: eth_mtu_int_to_enum(netdev_mtu - 80)). */
export function mtuFromBytes(bytes: number): IbMtu | undefined {
  for (let mtu = 5; mtu >= 1; mtu--) if (128 << mtu <= bytes) return mtu as IbMtu;
  return undefined;
}

function checkMessageLength(messageLength: number): void {
  if (!Number.isInteger(messageLength) || messageLength < 0 || messageLength > IB_MAX_MESSAGE_BYTES) {
    throw new RoceEncodeError(
      'EINVAL',
      'messageLength',
      `must be an integer in 0..2^31, got ${messageLength}`,
    );
  }
}

/**
 * Number of packets (and PSNs) a message of `messageLength` bytes takes: max(1, ceil(len / MTU)).
 * An RDMA READ request consumes this many PSNs too (rxe_req.c update_wqe_psn).
 */
export function segmentCount(messageLength: number, mtu: IbMtu): number {
  checkMessageLength(messageLength);
  const size = mtuBytes(mtu);
  return Math.max(1, Math.ceil(messageLength / size));
}

/**
 * Payload length of each packet of a message: FIRST/MIDDLE exactly MTU, LAST 1..MTU, ONLY 0..MTU.
 * A zero-length message is one ONLY packet with no payload.
 */
export function segment(messageLength: number, mtu: IbMtu): number[] {
  const count = segmentCount(messageLength, mtu);
  const size = mtuBytes(mtu);
  const lengths = new Array<number>(count).fill(size);
  lengths[count - 1] = messageLength - size * (count - 1);
  return lengths;
}

/** Pad bytes after a payload so the packet stays 4-byte aligned (IBA 9.2 PadCnt): (-len) & 3. */
export function padCount(payloadLength: number): number {
  return -payloadLength & 3;
}
