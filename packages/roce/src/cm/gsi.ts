/**
 * CM MADs travel on QP1 (the General Services Interface) as UD SEND_ONLY packets: DestQP 1, DETH
 * Q_Key 0x80010000, SrcQP 1 (IBA 13.5.1; rxe_req.c init_req_packet / rxe_recv.c check_keys).
 */
import { GSI_QPN, IB_DEFAULT_PKEY_FULL, IB_QP1_QKEY } from '../wire/constants.js';
import { type DecodeResult, decodeFailure } from '../wire/errors.js';
import { Opcode } from '../wire/opcodes.js';
import { makeBth, type RocePacket } from '../wire/packet.js';
import { type CmDecodeReason, type CmMad, type DecodedCmMad, decodeCmMad, encodeCmMad } from './codec.js';

/** Wraps a CM MAD in a UD SEND_ONLY packet from QP1 to QP1. Throws RoceEncodeError for a bad MAD. */
export function cmMadPacket(mad: CmMad, psn: number, pkey: number = IB_DEFAULT_PKEY_FULL): RocePacket {
  return {
    bth: makeBth({ opcode: Opcode.UD_SEND_ONLY, destQp: GSI_QPN, psn, pkey }),
    deth: { qkey: IB_QP1_QKEY, srcQp: GSI_QPN },
    payload: encodeCmMad(mad),
  };
}

export type GsiDecodeReason = CmDecodeReason | 'NOT_GSI';

/** Extracts the CM MAD from a received packet; rejects anything that is not a QP1 UD SEND_ONLY. */
export function cmMadFromPacket(packet: RocePacket): DecodeResult<DecodedCmMad, GsiDecodeReason> {
  if (packet.bth.opcode !== Opcode.UD_SEND_ONLY || packet.bth.destQp !== GSI_QPN) {
    return decodeFailure(
      'NOT_GSI',
      0,
      `opcode 0x${packet.bth.opcode.toString(16)} to QP ${packet.bth.destQp} is not a UD SEND_ONLY to QP1`,
    );
  }
  if (packet.deth?.qkey !== IB_QP1_QKEY) {
    return decodeFailure(
      'NOT_GSI',
      12,
      `DETH Q_Key 0x${(packet.deth?.qkey ?? 0).toString(16)} is not the GSI Q_Key`,
    );
  }
  return decodeCmMad(packet.payload);
}
