/**
 * Management Datagram common header (IBA 13.4.3; include/rdma/ib_mad.h struct ib_mad_hdr) and the
 * Communication Management class constants (IBA 12.6; drivers/infiniband/core/cm_msgs.h).
 */

/** Every MAD is 256 bytes (IBA 13.4.1; ib_mad.h IB_MGMT_MAD_SIZE). */
export const MAD_BYTES = 256;
/** Common MAD header (ib_mad.h IB_MGMT_MAD_HDR). */
export const MAD_HEADER_BYTES = 24;
/** Bytes after the header: 232 (ib_mad.h IB_MGMT_MAD_DATA). */
export const MAD_DATA_BYTES = MAD_BYTES - MAD_HEADER_BYTES;

/** ib_mad.h IB_MGMT_BASE_VERSION. */
export const IB_MGMT_BASE_VERSION = 1;
/** Management class of Communication Management (ib_mad.h IB_MGMT_CLASS_CM). */
export const IB_MGMT_CLASS_CM = 0x07;
/** CM class version (ib_cm.h IB_CM_CLASS_VERSION). */
export const IB_CM_CLASS_VERSION = 2;

/** MAD methods (IBA 13.4.5 table 146; ib_mad.h IB_MGMT_METHOD_*); CM messages are all Send. */
export const MadMethod = {
  GET: 0x01,
  SET: 0x02,
  SEND: 0x03,
  GET_RESP: 0x81,
} as const;

/** CM attribute IDs (IBA 12.6 table 104; cm_msgs.h CM_*_ATTR_ID). */
export const CmAttributeId = {
  REQ: 0x0010,
  MRA: 0x0011,
  REJ: 0x0012,
  REP: 0x0013,
  RTU: 0x0014,
  DREQ: 0x0015,
  DREP: 0x0016,
} as const;
export type CmMessageType = keyof typeof CmAttributeId;

export interface MadHeader {
  baseVersion: number;
  mgmtClass: number;
  classVersion: number;
  method: number;
  status: number;
  classSpecific: number;
  transactionId: bigint;
  attributeId: number;
  attributeModifier: number;
}

export function writeMadHeader(view: DataView, header: MadHeader): void {
  view.setUint8(0, header.baseVersion);
  view.setUint8(1, header.mgmtClass);
  view.setUint8(2, header.classVersion);
  view.setUint8(3, header.method);
  view.setUint16(4, header.status);
  view.setUint16(6, header.classSpecific);
  view.setBigUint64(8, header.transactionId);
  view.setUint16(16, header.attributeId);
  view.setUint16(18, 0); // reserved
  view.setUint32(20, header.attributeModifier);
}

export function readMadHeader(view: DataView): MadHeader {
  return {
    baseVersion: view.getUint8(0),
    mgmtClass: view.getUint8(1),
    classVersion: view.getUint8(2),
    method: view.getUint8(3),
    status: view.getUint16(4),
    classSpecific: view.getUint16(6),
    transactionId: view.getBigUint64(8),
    attributeId: view.getUint16(16),
    attributeModifier: view.getUint32(20),
  };
}
