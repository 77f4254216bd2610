import type { AccessFlags, SendWr, Sge, WcStatus } from '@rdmalab/verbs';
import type { TxProvenance } from '../link/packet-link.js';

/** One piece of a gather: where the bytes came from, as TxProvenance records it. */
export type DmaSource = TxProvenance['sources'][number];

/**
 * What the engine needs from the device's memory system for one QP (its PD): local SGEs by lkey,
 * remote access by rkey, and the local memory operations. Every access goes through the IOMMU at the
 * moment it happens — nothing is cached between a transmission and its retransmission.
 */
export interface LocalMemory {
  /**
   * Copy `dst.length` bytes starting `offset` bytes into the gather list. Returns SUCCESS, or
   * LOC_PROT_ERR for a bad lkey / bounds / an IOMMU fault. Appends to `sources` what was read.
   */
  gather(sgList: readonly Sge[], offset: number, dst: Uint8Array, sources: DmaSource[] | undefined): WcStatus;
  /** Copy `src` into the scatter list from `offset`; LOC_PROT_ERR as for gather (LOCAL_WRITE needed). */
  scatter(sgList: readonly Sge[], offset: number, src: Uint8Array): WcStatus;
  /** Whether rkey names a valid region of this PD allowing `access` over [va, va+length). */
  checkRemote(rkey: number, va: number, length: number, access: AccessFlags): boolean;
  /** Read [va, va+dst.length) of the region `rkey`; false on any violation or IOMMU fault. */
  readRemote(rkey: number, va: number, dst: Uint8Array, sources: DmaSource[] | undefined): boolean;
  /** Write src at va in the region `rkey` (REMOTE_WRITE checked); false on violation or fault. */
  writeRemote(rkey: number, va: number, src: Uint8Array): boolean;
  /** SEND_WITH_INV at the responder: invalidate a fast-reg MR of this PD; false if rkey is not one. */
  invalidateRemote(rkey: number): boolean;
  /** REG_MR work request; SUCCESS or LOC_QP_OP_ERR (rxe_req.c rxe_do_local_ops). */
  registerFast(reg: NonNullable<SendWr['reg']>): WcStatus;
  /** LOCAL_INV work request; SUCCESS or LOC_QP_OP_ERR. */
  invalidateLocal(key: number): WcStatus;
}
