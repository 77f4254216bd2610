/** fast-check generators of valid structured RoCEv2 packets, driven by the opcode table. */
import fc from 'fast-check';
import { OPCODES, type RocePacket } from '../src/index.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u24 = fc.integer({ min: 0, max: 0xffffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn });

export const arbitraryPacket: fc.Arbitrary<RocePacket> = fc
  .constantFrom(...OPCODES)
  .chain((info) =>
    fc.record({
      bth: fc.record({
        opcode: fc.constant(info.opcode),
        se: fc.boolean(),
        migReq: fc.boolean(),
        padCount: fc.constant(0),
        tver: fc.constant(0),
        pkey: u16,
        fecn: fc.boolean(),
        becn: fc.boolean(),
        destQp: u24,
        ackReq: fc.boolean(),
        psn: u24,
      }),
      reth: info.headers.includes('RETH')
        ? fc.record({ va: u64, rkey: u32, dmaLength: u32 })
        : fc.constant(undefined),
      aeth: info.headers.includes('AETH') ? fc.record({ syndrome: u8, msn: u24 }) : fc.constant(undefined),
      deth: info.headers.includes('DETH') ? fc.record({ qkey: u32, srcQp: u24 }) : fc.constant(undefined),
      immDt: info.headers.includes('ImmDt') ? u32 : fc.constant(undefined),
      ieth: info.headers.includes('IETH') ? u32 : fc.constant(undefined),
      atomicEth: info.headers.includes('AtomicETH')
        ? fc.record({ va: u64, rkey: u32, swapAdd: u64, compare: u64 })
        : fc.constant(undefined),
      atomicAckEth: info.headers.includes('AtomicAckETH')
        ? fc.record({ origData: u64 })
        : fc.constant(undefined),
      payload: info.hasPayload ? fc.uint8Array({ maxLength: 300 }) : fc.constant(new Uint8Array()),
    }),
  )
  .map((p) => {
    // Drop absent optional headers so the packet has exactly its opcode's fields.
    const packet: RocePacket = { bth: p.bth, payload: p.payload };
    if (p.reth) packet.reth = p.reth;
    if (p.aeth) packet.aeth = p.aeth;
    if (p.deth) packet.deth = p.deth;
    if (p.immDt !== undefined) packet.immDt = p.immDt;
    if (p.ieth !== undefined) packet.ieth = p.ieth;
    if (p.atomicEth) packet.atomicEth = p.atomicEth;
    if (p.atomicAckEth) packet.atomicAckEth = p.atomicAckEth;
    packet.bth.padCount = -p.payload.length & 3;
    return packet;
  });

const octet = fc.integer({ min: 0, max: 255 });
export const arbitraryIpv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
export const arbitraryMac = fc
  .uint8Array({ minLength: 6, maxLength: 6 })
  .map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));

/** A decoded packet as plain data (payload as an array) for deep equality. */
export function comparable(packet: RocePacket): unknown {
  return { ...packet, payload: [...packet.payload] };
}
