import { type ExtHeader, type OpcodeInfo, opcodeInfo as opcodeInfoImport } from '../wire/opcodes.js';
import type { RocePacket } from '../wire/packet.js';

// Imported values used per packet, bound to module-local names once: under a module runner (vitest,
// where tests and fault sweeps run) every use of an imported binding is a getter call, which costs
// more than the operation and keeps the hot path from being inlined.
const opcodeInfo = opcodeInfoImport;

function hasHeader(packet: RocePacket, header: ExtHeader): boolean {
  switch (header) {
    case 'RETH':
      return packet.reth !== undefined;
    case 'AETH':
      return packet.aeth !== undefined;
    case 'ImmDt':
      return packet.immDt !== undefined;
    case 'IETH':
      return packet.ieth !== undefined;
    case 'AtomicETH':
      return packet.atomicEth !== undefined;
    case 'AtomicAckETH':
      return packet.atomicAckEth !== undefined;
    case 'DETH':
      return packet.deth !== undefined;
    case 'CNPReserved':
      return true;
  }
}

/**
 * The opcode table row of an RC packet whose extension headers match what its opcode requires, or
 * undefined for a packet the engine must drop (unknown opcode, not RC, a header missing, payload on
 * an opcode without one).
 */
export function rcPacketInfo(packet: RocePacket): OpcodeInfo | undefined {
  const info = opcodeInfo(packet.bth.opcode);
  if (info === undefined || info.transport !== 'RC') return undefined;
  for (const header of info.headers) if (!hasHeader(packet, header)) return undefined;
  if (!info.hasPayload && packet.payload.length !== 0) return undefined;
  return info;
}
