import { describe, expect, it } from 'vitest';
import {
  IbMtu,
  OPCODES,
  Opcode,
  opcodeInfo,
  RoceEncodeError,
  SEGMENT_OPCODES,
  segment,
  segmentOpcode,
} from '../src/index.js';

describe('opcode table', () => {
  it('knows every RC opcode 0x00-0x17 except reserved 0x15, plus UD SEND_ONLY(_IMM) and CNP', () => {
    const rc = OPCODES.filter((o) => o.transport === 'RC').map((o) => o.opcode);
    expect(rc).toEqual([...Array.from({ length: 0x15 }, (_, i) => i), 0x16, 0x17]);
    expect(opcodeInfo(0x15)).toBeUndefined();
    expect(opcodeInfo(0x64)?.name).toBe('UD_SEND_ONLY');
    expect(opcodeInfo(0x65)?.name).toBe('UD_SEND_ONLY_WITH_IMMEDIATE');
    expect(opcodeInfo(0x81)?.transport).toBe('CNP');
    expect(opcodeInfo(0x24)).toBeUndefined(); // UC is not supported
  });

  it('lists extension headers in IBA order, with lengths including the BTH', () => {
    const row = (op: number) => opcodeInfo(op)!;
    expect(row(Opcode.RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE).headers).toEqual(['RETH', 'ImmDt']);
    expect(row(Opcode.RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE).headerBytes).toBe(12 + 16 + 4);
    expect(row(Opcode.RC_ATOMIC_ACKNOWLEDGE).headers).toEqual(['AETH', 'AtomicAckETH']);
    expect(row(Opcode.UD_SEND_ONLY_WITH_IMMEDIATE).headers).toEqual(['DETH', 'ImmDt']);
    expect(row(Opcode.RC_COMPARE_SWAP).headerBytes).toBe(12 + 28);
    expect(row(Opcode.RC_SEND_ONLY_WITH_INVALIDATE).headers).toEqual(['IETH']);
    expect(row(Opcode.RC_RDMA_READ_RESPONSE_MIDDLE).headers).toEqual([]);
    expect(row(Opcode.CNP).headerBytes).toBe(12 + 16);
  });

  it('classifies position, direction, payload and message end as rxe_opcode.c does', () => {
    const readReq = opcodeInfo(Opcode.RC_RDMA_READ_REQUEST)!;
    expect([readReq.hasPayload, readReq.direction, readReq.endsMessage]).toEqual([false, 'request', true]);
    const ack = opcodeInfo(Opcode.RC_ACKNOWLEDGE)!;
    expect([ack.hasPayload, ack.direction, ack.position]).toEqual([false, 'response', 'ONLY']);
    const middle = opcodeInfo(Opcode.RC_RDMA_READ_RESPONSE_MIDDLE)!;
    expect([middle.direction, middle.position, middle.endsMessage]).toEqual(['response', 'MIDDLE', false]);
    expect(opcodeInfo(Opcode.RC_SEND_LAST_WITH_INVALIDATE)!.hasInvalidate).toBe(true);
    expect(opcodeInfo(Opcode.RC_SEND_LAST_WITH_IMMEDIATE)!.hasImmediate).toBe(true);
    expect(opcodeInfo(Opcode.RC_SEND_FIRST)!.endsMessage).toBe(false);
  });

  it('names each row after its opcode constant', () => {
    for (const row of OPCODES) expect(Opcode[row.name]).toBe(row.opcode);
  });
});

describe('segmentOpcode', () => {
  it('gives FIRST/MIDDLE/LAST for a 3-packet SEND_WITH_INV and ONLY for one packet', () => {
    const n = segment(2500, IbMtu.MTU_1024).length;
    expect(n).toBe(3);
    expect([0, 1, 2].map((i) => segmentOpcode('SEND_WITH_INV', i, n))).toEqual([0x00, 0x01, 0x16]);
    expect(segmentOpcode('SEND_WITH_INV', 0, 1)).toBe(0x17);
  });

  it('puts RETH only on the first RDMA WRITE packet and immediate only on the last', () => {
    const ops = [0, 1, 2].map((i) => segmentOpcode('RDMA_WRITE_WITH_IMM', i, 3));
    expect(ops.map((op) => opcodeInfo(op)!.headers)).toEqual([['RETH'], [], ['ImmDt']]);
    expect(segmentOpcode('RDMA_WRITE_WITH_IMM', 0, 1)).toBe(Opcode.RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE);
  });

  it('puts AETH on READ RESPONSE FIRST and LAST but not MIDDLE', () => {
    const ops = [0, 1, 2].map((i) => segmentOpcode('RDMA_READ_RESPONSE', i, 3));
    expect(ops).toEqual([0x0d, 0x0e, 0x0f]);
    expect(segmentOpcode('RDMA_READ_RESPONSE', 0, 1)).toBe(0x10);
  });

  it('covers every segmented kind with opcodes of the matching operation and position', () => {
    for (const [kind, byPosition] of Object.entries(SEGMENT_OPCODES)) {
      for (const [position, op] of Object.entries(byPosition)) {
        const row = opcodeInfo(op)!;
        expect(row.position, `${kind} ${position}`).toBe(position);
        expect(row.operation).toBe(kind.startsWith('SEND') ? 'SEND' : kind.replace('_WITH_IMM', ''));
      }
    }
  });

  it('rejects an index outside the message with EINVAL', () => {
    expect(() => segmentOpcode('SEND', 3, 3)).toThrow(RoceEncodeError);
    expect(() => segmentOpcode('SEND', 0, 0)).toThrow(/EINVAL/);
  });
});
