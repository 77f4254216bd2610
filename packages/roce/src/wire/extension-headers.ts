/**
 * Extension header codecs, one table row per header (IBA 9.3; rxe_hdr.h struct rxe_reth, rxe_aeth,
 * rxe_deth, rxe_immdt, rxe_ieth, rxe_atmeth, rxe_atmack). Encoders and decoders walk an opcode's
 * `headers` list through this table.
 */
import { RoceEncodeError } from './errors.js';
import { checkUint, checkUint64 } from './field-checks.js';
import type { ExtHeader } from './opcodes.js';
import type { RocePacket } from './packet.js';

/** The RocePacket field each extension header fills (CNPReserved fills none). */
export type ExtHeaderField = 'reth' | 'aeth' | 'deth' | 'immDt' | 'ieth' | 'atomicEth' | 'atomicAckEth';

export interface ExtHeaderCodec {
  readonly field: ExtHeaderField | undefined;
  /** Writes the header; throws RoceEncodeError if the packet's field is missing or out of range. */
  write(view: DataView, offset: number, packet: RocePacket): void;
  /** Reads the header into `packet`; the caller has checked the bytes are there. */
  read(view: DataView, offset: number, packet: RocePacket): void;
}

function missing(field: string): never {
  throw new RoceEncodeError('EINVAL', field, 'required by the opcode but missing');
}

export const EXT_HEADER_CODECS: Readonly<Record<ExtHeader, ExtHeaderCodec>> = {
  RETH: {
    field: 'reth',
    write(view, offset, packet) {
      const reth = packet.reth ?? missing('reth');
      checkUint64('reth.va', reth.va);
      checkUint('reth.rkey', reth.rkey, 32);
      checkUint('reth.dmaLength', reth.dmaLength, 32);
      view.setBigUint64(offset, reth.va);
      view.setUint32(offset + 8, reth.rkey);
      view.setUint32(offset + 12, reth.dmaLength);
    },
    read(view, offset, packet) {
      packet.reth = {
        va: view.getBigUint64(offset),
        rkey: view.getUint32(offset + 8),
        dmaLength: view.getUint32(offset + 12),
      };
    },
  },
  AETH: {
    field: 'aeth',
    write(view, offset, packet) {
      const aeth = packet.aeth ?? missing('aeth');
      checkUint('aeth.syndrome', aeth.syndrome, 8);
      checkUint('aeth.msn', aeth.msn, 24);
      view.setUint32(offset, aeth.syndrome * 0x1000000 + aeth.msn);
    },
    read(view, offset, packet) {
      const word = view.getUint32(offset);
      packet.aeth = { syndrome: word >>> 24, msn: word & 0xffffff };
    },
  },
  DETH: {
    field: 'deth',
    write(view, offset, packet) {
      const deth = packet.deth ?? missing('deth');
      checkUint('deth.qkey', deth.qkey, 32);
      checkUint('deth.srcQp', deth.srcQp, 24);
      view.setUint32(offset, deth.qkey);
      view.setUint32(offset + 4, deth.srcQp); // top byte reserved, zero
    },
    read(view, offset, packet) {
      packet.deth = { qkey: view.getUint32(offset), srcQp: view.getUint32(offset + 4) & 0xffffff };
    },
  },
  ImmDt: {
    field: 'immDt',
    write(view, offset, packet) {
      const imm = packet.immDt ?? missing('immDt');
      checkUint('immDt', imm, 32);
      view.setUint32(offset, imm);
    },
    read(view, offset, packet) {
      packet.immDt = view.getUint32(offset);
    },
  },
  IETH: {
    field: 'ieth',
    write(view, offset, packet) {
      const rkey = packet.ieth ?? missing('ieth');
      checkUint('ieth', rkey, 32);
      view.setUint32(offset, rkey);
    },
    read(view, offset, packet) {
      packet.ieth = view.getUint32(offset);
    },
  },
  AtomicETH: {
    field: 'atomicEth',
    write(view, offset, packet) {
      const eth = packet.atomicEth ?? missing('atomicEth');
      checkUint64('atomicEth.va', eth.va);
      checkUint('atomicEth.rkey', eth.rkey, 32);
      checkUint64('atomicEth.swapAdd', eth.swapAdd);
      checkUint64('atomicEth.compare', eth.compare);
      view.setBigUint64(offset, eth.va);
      view.setUint32(offset + 8, eth.rkey);
      view.setBigUint64(offset + 12, eth.swapAdd);
      view.setBigUint64(offset + 20, eth.compare);
    },
    read(view, offset, packet) {
      packet.atomicEth = {
        va: view.getBigUint64(offset),
        rkey: view.getUint32(offset + 8),
        swapAdd: view.getBigUint64(offset + 12),
        compare: view.getBigUint64(offset + 20),
      };
    },
  },
  AtomicAckETH: {
    field: 'atomicAckEth',
    write(view, offset, packet) {
      const eth = packet.atomicAckEth ?? missing('atomicAckEth');
      checkUint64('atomicAckEth.origData', eth.origData);
      view.setBigUint64(offset, eth.origData);
    },
    read(view, offset, packet) {
      packet.atomicAckEth = { origData: view.getBigUint64(offset) };
    },
  },
  CNPReserved: {
    field: undefined,
    // 16 reserved bytes, sent as zero (Annex A17.9.3); the buffer is zero-filled already.
    write() {},
    read() {},
  },
};

/** All RocePacket fields that extension headers fill, to reject headers an opcode does not carry. */
export const EXT_HEADER_FIELDS: readonly ExtHeaderField[] = [
  'reth',
  'aeth',
  'deth',
  'immDt',
  'ieth',
  'atomicEth',
  'atomicAckEth',
];
