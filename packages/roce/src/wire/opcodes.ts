/**
 * The RoCEv2 opcode table as data, after rxe_opcode.c `rxe_opcode[]` and include/rdma/ib_pack.h
 * (IBA 9.2 table 35 + Annex A17 for CNP). Codecs and the RC engine read this table; nothing switches
 * on opcode numbers.
 */
import {
  AETH_BYTES,
  ATOMIC_ACK_ETH_BYTES,
  ATOMIC_ETH_BYTES,
  BTH_BYTES,
  CNP_RESERVED_BYTES,
  DETH_BYTES,
  IETH_BYTES,
  IMMDT_BYTES,
  RETH_BYTES,
} from './constants.js';
import { RoceEncodeError } from './errors.js';

/** Opcode numbers (ib_pack.h: IB_OPCODE_RC = 0x00, IB_OPCODE_UD = 0x60, IB_OPCODE_CNP = 0x80). */
export const Opcode = {
  RC_SEND_FIRST: 0x00,
  RC_SEND_MIDDLE: 0x01,
  RC_SEND_LAST: 0x02,
  RC_SEND_LAST_WITH_IMMEDIATE: 0x03,
  RC_SEND_ONLY: 0x04,
  RC_SEND_ONLY_WITH_IMMEDIATE: 0x05,
  RC_RDMA_WRITE_FIRST: 0x06,
  RC_RDMA_WRITE_MIDDLE: 0x07,
  RC_RDMA_WRITE_LAST: 0x08,
  RC_RDMA_WRITE_LAST_WITH_IMMEDIATE: 0x09,
  RC_RDMA_WRITE_ONLY: 0x0a,
  RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE: 0x0b,
  RC_RDMA_READ_REQUEST: 0x0c,
  RC_RDMA_READ_RESPONSE_FIRST: 0x0d,
  RC_RDMA_READ_RESPONSE_MIDDLE: 0x0e,
  RC_RDMA_READ_RESPONSE_LAST: 0x0f,
  RC_RDMA_READ_RESPONSE_ONLY: 0x10,
  RC_ACKNOWLEDGE: 0x11,
  RC_ATOMIC_ACKNOWLEDGE: 0x12,
  RC_COMPARE_SWAP: 0x13,
  RC_FETCH_ADD: 0x14,
  RC_SEND_LAST_WITH_INVALIDATE: 0x16,
  RC_SEND_ONLY_WITH_INVALIDATE: 0x17,
  UD_SEND_ONLY: 0x64,
  UD_SEND_ONLY_WITH_IMMEDIATE: 0x65,
  /** RoCEv2 Congestion Notification Packet (Annex A17.9.3; 0x81 as sent by ConnectX-4 Lx). */
  CNP: 0x81,
} as const;
export type OpcodeName = keyof typeof Opcode;

/** Extension headers, in the order IBA 9.2 places them after the BTH. */
export type ExtHeader =
  | 'DETH'
  | 'RETH'
  | 'AtomicETH'
  | 'AETH'
  | 'AtomicAckETH'
  | 'ImmDt'
  | 'IETH'
  | 'CNPReserved';

/** Sizes of the extension headers in bytes. */
export const EXT_HEADER_BYTES: Readonly<Record<ExtHeader, number>> = {
  DETH: DETH_BYTES,
  RETH: RETH_BYTES,
  AtomicETH: ATOMIC_ETH_BYTES,
  AETH: AETH_BYTES,
  AtomicAckETH: ATOMIC_ACK_ETH_BYTES,
  ImmDt: IMMDT_BYTES,
  IETH: IETH_BYTES,
  CNPReserved: CNP_RESERVED_BYTES,
};

/** Where a packet sits in its message (rxe RXE_START_MASK / RXE_MIDDLE_MASK / RXE_END_MASK). */
export type Position = 'FIRST' | 'MIDDLE' | 'LAST' | 'ONLY';

/** The operation an opcode belongs to. */
export type Operation =
  | 'SEND'
  | 'RDMA_WRITE'
  | 'RDMA_READ_REQUEST'
  | 'RDMA_READ_RESPONSE'
  | 'ACKNOWLEDGE'
  | 'ATOMIC_ACKNOWLEDGE'
  | 'COMPARE_SWAP'
  | 'FETCH_ADD'
  | 'CNP';

export interface OpcodeInfo {
  readonly opcode: number;
  readonly name: OpcodeName;
  readonly transport: 'RC' | 'UD' | 'CNP';
  readonly operation: Operation;
  /** Extension headers after the BTH, in wire order. */
  readonly headers: readonly ExtHeader[];
  /** BTH + extension headers, bytes. */
  readonly headerBytes: number;
  /** Whether a payload (0..MTU bytes, padded to 4) follows the headers (rxe RXE_PAYLOAD_MASK). */
  readonly hasPayload: boolean;
  readonly position: Position;
  /** Request (requester → responder) or response (responder → requester); CNP is neither. */
  readonly direction: 'request' | 'response' | 'congestion';
  /** Last packet of a message (rxe RXE_END_MASK; also set on READ_REQUEST, ACK and atomics). */
  readonly endsMessage: boolean;
  readonly hasImmediate: boolean;
  readonly hasInvalidate: boolean;
}

type Row = [OpcodeName, Operation, Position, readonly ExtHeader[], boolean];

// [name, operation, position, headers in order, carries payload] — rxe_opcode.c, one row per opcode.
const ROWS: readonly Row[] = [
  ['RC_SEND_FIRST', 'SEND', 'FIRST', [], true],
  ['RC_SEND_MIDDLE', 'SEND', 'MIDDLE', [], true],
  ['RC_SEND_LAST', 'SEND', 'LAST', [], true],
  ['RC_SEND_LAST_WITH_IMMEDIATE', 'SEND', 'LAST', ['ImmDt'], true],
  ['RC_SEND_ONLY', 'SEND', 'ONLY', [], true],
  ['RC_SEND_ONLY_WITH_IMMEDIATE', 'SEND', 'ONLY', ['ImmDt'], true],
  ['RC_RDMA_WRITE_FIRST', 'RDMA_WRITE', 'FIRST', ['RETH'], true],
  ['RC_RDMA_WRITE_MIDDLE', 'RDMA_WRITE', 'MIDDLE', [], true],
  ['RC_RDMA_WRITE_LAST', 'RDMA_WRITE', 'LAST', [], true],
  ['RC_RDMA_WRITE_LAST_WITH_IMMEDIATE', 'RDMA_WRITE', 'LAST', ['ImmDt'], true],
  ['RC_RDMA_WRITE_ONLY', 'RDMA_WRITE', 'ONLY', ['RETH'], true],
  ['RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE', 'RDMA_WRITE', 'ONLY', ['RETH', 'ImmDt'], true],
  ['RC_RDMA_READ_REQUEST', 'RDMA_READ_REQUEST', 'ONLY', ['RETH'], false],
  ['RC_RDMA_READ_RESPONSE_FIRST', 'RDMA_READ_RESPONSE', 'FIRST', ['AETH'], true],
  ['RC_RDMA_READ_RESPONSE_MIDDLE', 'RDMA_READ_RESPONSE', 'MIDDLE', [], true],
  ['RC_RDMA_READ_RESPONSE_LAST', 'RDMA_READ_RESPONSE', 'LAST', ['AETH'], true],
  ['RC_RDMA_READ_RESPONSE_ONLY', 'RDMA_READ_RESPONSE', 'ONLY', ['AETH'], true],
  ['RC_ACKNOWLEDGE', 'ACKNOWLEDGE', 'ONLY', ['AETH'], false],
  ['RC_ATOMIC_ACKNOWLEDGE', 'ATOMIC_ACKNOWLEDGE', 'ONLY', ['AETH', 'AtomicAckETH'], false],
  ['RC_COMPARE_SWAP', 'COMPARE_SWAP', 'ONLY', ['AtomicETH'], false],
  ['RC_FETCH_ADD', 'FETCH_ADD', 'ONLY', ['AtomicETH'], false],
  ['RC_SEND_LAST_WITH_INVALIDATE', 'SEND', 'LAST', ['IETH'], true],
  ['RC_SEND_ONLY_WITH_INVALIDATE', 'SEND', 'ONLY', ['IETH'], true],
  ['UD_SEND_ONLY', 'SEND', 'ONLY', ['DETH'], true],
  ['UD_SEND_ONLY_WITH_IMMEDIATE', 'SEND', 'ONLY', ['DETH', 'ImmDt'], true],
  ['CNP', 'CNP', 'ONLY', ['CNPReserved'], false],
];

const RESPONSE_OPERATIONS: ReadonlySet<Operation> = new Set([
  'RDMA_READ_RESPONSE',
  'ACKNOWLEDGE',
  'ATOMIC_ACKNOWLEDGE',
]);

function buildInfo([name, operation, position, headers, hasPayload]: Row): OpcodeInfo {
  const opcode = Opcode[name];
  return Object.freeze({
    opcode,
    name,
    transport: opcode >= 0x80 ? 'CNP' : opcode >= 0x60 ? 'UD' : 'RC',
    operation,
    headers: Object.freeze([...headers]),
    headerBytes: headers.reduce((sum, h) => sum + EXT_HEADER_BYTES[h], BTH_BYTES),
    hasPayload,
    position,
    direction:
      operation === 'CNP' ? 'congestion' : RESPONSE_OPERATIONS.has(operation) ? 'response' : 'request',
    endsMessage: position === 'LAST' || position === 'ONLY',
    hasImmediate: headers.includes('ImmDt'),
    hasInvalidate: headers.includes('IETH'),
  } satisfies OpcodeInfo);
}

/** Every opcode this codec knows, in numeric order. */
export const OPCODES: readonly OpcodeInfo[] = Object.freeze(ROWS.map(buildInfo));

const BY_NUMBER: readonly (OpcodeInfo | undefined)[] = (() => {
  const table: (OpcodeInfo | undefined)[] = new Array(256).fill(undefined);
  for (const info of OPCODES) table[info.opcode] = info;
  return table;
})();

/** The table row of an opcode number, or undefined if this codec does not know it. */
export function opcodeInfo(opcode: number): OpcodeInfo | undefined {
  return BY_NUMBER[opcode & 0xff];
}

/** Message kinds that are split into FIRST/MIDDLE/LAST or sent ONLY. */
export type SegmentedMessage =
  | 'SEND'
  | 'SEND_WITH_IMM'
  | 'SEND_WITH_INV'
  | 'RDMA_WRITE'
  | 'RDMA_WRITE_WITH_IMM'
  | 'RDMA_READ_RESPONSE';

/** Opcode per position for each segmented message kind (IBA 9.4.x; what rxe_req.c next_opcode picks). */
export const SEGMENT_OPCODES: Readonly<Record<SegmentedMessage, Readonly<Record<Position, number>>>> = {
  SEND: {
    FIRST: Opcode.RC_SEND_FIRST,
    MIDDLE: Opcode.RC_SEND_MIDDLE,
    LAST: Opcode.RC_SEND_LAST,
    ONLY: Opcode.RC_SEND_ONLY,
  },
  SEND_WITH_IMM: {
    FIRST: Opcode.RC_SEND_FIRST,
    MIDDLE: Opcode.RC_SEND_MIDDLE,
    LAST: Opcode.RC_SEND_LAST_WITH_IMMEDIATE,
    ONLY: Opcode.RC_SEND_ONLY_WITH_IMMEDIATE,
  },
  SEND_WITH_INV: {
    FIRST: Opcode.RC_SEND_FIRST,
    MIDDLE: Opcode.RC_SEND_MIDDLE,
    LAST: Opcode.RC_SEND_LAST_WITH_INVALIDATE,
    ONLY: Opcode.RC_SEND_ONLY_WITH_INVALIDATE,
  },
  RDMA_WRITE: {
    FIRST: Opcode.RC_RDMA_WRITE_FIRST,
    MIDDLE: Opcode.RC_RDMA_WRITE_MIDDLE,
    LAST: Opcode.RC_RDMA_WRITE_LAST,
    ONLY: Opcode.RC_RDMA_WRITE_ONLY,
  },
  RDMA_WRITE_WITH_IMM: {
    FIRST: Opcode.RC_RDMA_WRITE_FIRST,
    MIDDLE: Opcode.RC_RDMA_WRITE_MIDDLE,
    LAST: Opcode.RC_RDMA_WRITE_LAST_WITH_IMMEDIATE,
    ONLY: Opcode.RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE,
  },
  RDMA_READ_RESPONSE: {
    FIRST: Opcode.RC_RDMA_READ_RESPONSE_FIRST,
    MIDDLE: Opcode.RC_RDMA_READ_RESPONSE_MIDDLE,
    LAST: Opcode.RC_RDMA_READ_RESPONSE_LAST,
    ONLY: Opcode.RC_RDMA_READ_RESPONSE_ONLY,
  },
};

/** Position of segment `index` (0-based) of a message of `count` segments. */
export function segmentPosition(index: number, count: number): Position {
  if (count === 1) return 'ONLY';
  if (index === 0) return 'FIRST';
  return index === count - 1 ? 'LAST' : 'MIDDLE';
}

/** Opcode for segment `index` of `count` of a message; `count` comes from `segment()`. */
export function segmentOpcode(message: SegmentedMessage, index: number, count: number): number {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new RoceEncodeError('EINVAL', 'index', `segment index ${index} of ${count} is out of range`);
  }
  return SEGMENT_OPCODES[message][segmentPosition(index, count)];
}
