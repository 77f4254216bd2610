/** Base Transport Header codec (IBA 9.2; rxe_hdr.h struct rxe_bth and its BTH_* masks). */
import { checkUint } from './field-checks.js';
import type { Bth } from './packet.js';

// Byte 1: SE | M | PadCnt(2) | TVer(4)  (rxe_hdr.h BTH_SE_MASK 0x80, BTH_MIG_MASK 0x40, BTH_PAD_MASK 0x30, BTH_TVER_MASK 0x0f)
const SE = 0x80;
const MIG = 0x40;
const PAD_SHIFT = 4;
const TVER_MASK = 0x0f;
// Byte 4: F | B | resv6 (RoCEv2 FECN/BECN, Annex A17.9)
const FECN = 0x80;
const BECN = 0x40;
// Byte 8: A | resv7 (rxe_hdr.h BTH_ACK_MASK)
const ACK_REQ = 0x80;

/** Writes a BTH at `offset`; `padCount` is the derived pad, not `bth.padCount`. */
export function writeBth(view: DataView, offset: number, bth: Bth, padCount: number): void {
  checkUint('bth.opcode', bth.opcode, 8);
  checkUint('bth.tver', bth.tver, 4);
  checkUint('bth.pkey', bth.pkey, 16);
  checkUint('bth.destQp', bth.destQp, 24);
  checkUint('bth.psn', bth.psn, 24);
  view.setUint8(offset, bth.opcode);
  view.setUint8(offset + 1, (bth.se ? SE : 0) | (bth.migReq ? MIG : 0) | (padCount << PAD_SHIFT) | bth.tver);
  view.setUint16(offset + 2, bth.pkey);
  view.setUint32(offset + 4, ((bth.fecn ? FECN : 0) | (bth.becn ? BECN : 0)) * 0x1000000 + bth.destQp);
  view.setUint32(offset + 8, (bth.ackReq ? ACK_REQ : 0) * 0x1000000 + bth.psn);
}

/** Reads a BTH at `offset`; the caller has checked that BTH_BYTES are available. */
export function readBth(view: DataView, offset: number): Bth {
  const b1 = view.getUint8(offset + 1);
  const b4 = view.getUint8(offset + 4);
  return {
    opcode: view.getUint8(offset),
    se: (b1 & SE) !== 0,
    migReq: (b1 & MIG) !== 0,
    padCount: (b1 >> PAD_SHIFT) & 3,
    tver: b1 & TVER_MASK,
    pkey: view.getUint16(offset + 2),
    fecn: (b4 & FECN) !== 0,
    becn: (b4 & BECN) !== 0,
    destQp: view.getUint32(offset + 4) & 0xffffff,
    ackReq: (view.getUint8(offset + 8) & ACK_REQ) !== 0,
    psn: view.getUint32(offset + 8) & 0xffffff,
  };
}
