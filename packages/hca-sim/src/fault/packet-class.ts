import {
  classifyAeth as classifyAethImport,
  GSI_QPN as GSI_QPNImport,
  opcodeInfo as opcodeInfoImport,
  type RocePacket,
} from '@rdmalab/roce';

// Imported values used per packet, bound to module-local names once: under a module runner (vitest,
// where tests and fault sweeps run) every use of an imported binding is a getter call, which costs
// more than the operation and keeps the hot path from being inlined.
const classifyAeth = classifyAethImport;
const GSI_QPN = GSI_QPNImport;
const opcodeInfo = opcodeInfoImport;

/**
 * Coarse kinds of packet a fault rule can name instead of listing opcodes:
 * - `request`: RC requests (SEND, RDMA WRITE, RDMA READ request, atomics);
 * - `ack`: positive ACKNOWLEDGE and ATOMIC ACKNOWLEDGE;
 * - `nak`: ACKNOWLEDGE carrying a NAK or RNR NAK syndrome;
 * - `read-response`: RDMA READ response packets;
 * - `cm`: management datagrams to or from QP1 (the CM's REQ/REP/RTU/REJ/DREQ/DREP);
 * - `other`: anything else (CNP, UD to other QPs).
 */
export type PacketClass = 'request' | 'ack' | 'nak' | 'read-response' | 'cm' | 'other';

export const PACKET_CLASSES: readonly PacketClass[] = [
  'request',
  'ack',
  'nak',
  'read-response',
  'cm',
  'other',
];

export function classifyPacket(packet: RocePacket): PacketClass {
  const info = opcodeInfo(packet.bth.opcode);
  if (!info) return 'other';
  if (info.transport === 'UD') {
    return packet.bth.destQp === GSI_QPN || packet.deth?.srcQp === GSI_QPN ? 'cm' : 'other';
  }
  if (info.transport !== 'RC') return 'other';
  switch (info.operation) {
    case 'ACKNOWLEDGE': {
      const meaning = packet.aeth ? classifyAeth(packet.aeth.syndrome) : undefined;
      return meaning && meaning.type !== 'ACK' ? 'nak' : 'ack';
    }
    case 'ATOMIC_ACKNOWLEDGE':
      return 'ack';
    case 'RDMA_READ_RESPONSE':
      return 'read-response';
    default:
      return info.direction === 'request' ? 'request' : 'other';
  }
}
