/**
 * Structured RoCEv2 packets: the shape the RC engine builds and consumes. Bytes are made only where a
 * packet leaves (UDP socket, pcap) by `encodeUdpPayload` / `encodeFrame`.
 */

/** Base Transport Header (IBA 9.2; rxe_hdr.h struct rxe_bth). */
export interface Bth {
  /** 8-bit opcode: transport in bits 7-5 (RC 0x00, UC 0x20, UD 0x60, CNP 0x80), operation in bits 4-0. */
  opcode: number;
  /** Solicited Event. */
  se: boolean;
  /** MigReq (path migration state). */
  migReq: boolean;
  /**
   * Pad count (0-3). Derived: encoders write `(-payload.length) & 3` whatever this says; decoders
   * report what the wire carried.
   */
  padCount: number;
  /** Transport header version, 0 (IBA 9.2). */
  tver: number;
  /** Partition key, rxe sends 0xFFFF. */
  pkey: number;
  /** Forward ECN (RoCEv2 "F" bit, byte 4 bit 7). */
  fecn: boolean;
  /** Backward ECN (RoCEv2 "B" bit, byte 4 bit 6). */
  becn: boolean;
  /** Destination QP number, 24 bits. */
  destQp: number;
  /** Acknowledge request. */
  ackReq: boolean;
  /** Packet sequence number, 24 bits. */
  psn: number;
}

/** RDMA Extended Transport Header (IBA 9.3.3). */
export interface Reth {
  /** Remote virtual address, 64 bits. */
  va: bigint;
  rkey: number;
  /** Total message length of the RDMA operation (not the packet's). */
  dmaLength: number;
}

/** ACK Extended Transport Header (IBA 9.3.5): see `aeth.ts` for syndrome helpers. */
export interface Aeth {
  syndrome: number;
  /** Message sequence number, 24 bits. */
  msn: number;
}

/** Datagram Extended Transport Header (IBA 9.3.2). */
export interface Deth {
  qkey: number;
  /** Source QP number, 24 bits. */
  srcQp: number;
}

/** Atomic Extended Transport Header (IBA 9.3.4). */
export interface AtomicEth {
  va: bigint;
  rkey: number;
  /** Swap (COMPARE_SWAP) or add (FETCH_ADD) operand. */
  swapAdd: bigint;
  compare: bigint;
}

/** Atomic Acknowledge Extended Transport Header (IBA 9.3.5.3). */
export interface AtomicAckEth {
  /** Remote data before the atomic operation. */
  origData: bigint;
}

/**
 * One RoCEv2 transport packet from BTH to the end of the payload (pad and ICRC are added by encoders).
 * Which optional headers must be present is decided by `bth.opcode` (see `OPCODES`).
 * A decoded packet's `payload` is a view into the received bytes, not a copy.
 */
export interface RocePacket {
  bth: Bth;
  reth?: Reth;
  aeth?: Aeth;
  deth?: Deth;
  /** Immediate data as the 32-bit big-endian number on the wire. */
  immDt?: number;
  /** R_Key to invalidate (SEND_WITH_INVALIDATE). */
  ieth?: number;
  atomicEth?: AtomicEth;
  atomicAckEth?: AtomicAckEth;
  payload: Uint8Array;
}

/** Fields of a BTH a caller usually sets; the rest default to rxe's values. */
export interface BthInit {
  opcode: number;
  destQp: number;
  psn: number;
  ackReq?: boolean;
  se?: boolean;
  migReq?: boolean;
  pkey?: number;
  fecn?: boolean;
  becn?: boolean;
}

/** Builds a BTH with rxe defaults: P_Key 0xFFFF, TVer 0, MigReq 0, no ECN bits; padCount is filled at encode. */
export function makeBth(init: BthInit): Bth {
  return {
    opcode: init.opcode,
    se: init.se ?? false,
    migReq: init.migReq ?? false,
    padCount: 0,
    tver: 0,
    pkey: init.pkey ?? 0xffff,
    fecn: init.fecn ?? false,
    becn: init.becn ?? false,
    destQp: init.destQp,
    ackReq: init.ackReq ?? false,
    psn: init.psn,
  };
}
