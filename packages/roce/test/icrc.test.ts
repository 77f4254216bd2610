import { describe, expect, it } from 'vitest';
import { computeIcrc } from '../src/wire/icrc.js';
import {
  CONNECTX4_CNP_FRAME,
  CONNECTX4_CNP_ICRC_BYTES,
  SCAPY_UC_SEND_ONLY,
} from './fixtures/connectx4-cnp.js';

function icrcWireBytes(value: number): number[] {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return [...out];
}

describe('computeIcrc', () => {
  it('reproduces the ICRC a ConnectX-4 Lx put on a real CNP', () => {
    const f = CONNECTX4_CNP_FRAME;
    const icrc = computeIcrc(f.subarray(14, 34), f.subarray(34, 42), f.subarray(42, f.length - 4));
    expect(icrcWireBytes(icrc)).toEqual(CONNECTX4_CNP_ICRC_BYTES);
    expect([...f.subarray(f.length - 4)]).toEqual(CONNECTX4_CNP_ICRC_BYTES);
  });

  it('reproduces scapy UC SEND_ONLY vector with TOS, TTL and a non-zero UDP checksum masked', () => {
    const v = SCAPY_UC_SEND_ONLY;
    expect(icrcWireBytes(computeIcrc(v.ipHeader, v.udpHeader, v.transport))).toEqual(v.icrcWireBytes);
  });
});
