/**
 * CM message contents as data tables: IBA vol. 1 ch. 12.6 tables 106-113, byte/bit positions exactly as
 * include/rdma/ibta_vol1_c12.h (offsets are after the 24-byte MAD header).
 */
import { bytes, type FieldSpec, flag, gid, u64, uint } from './fields.js';

/** A path as carried in a REQ (primary at byte 52, alternate at byte 96). */
export interface CmPath {
  localLid: number;
  remoteLid: number;
  /** GID as IPv6 text; RoCEv2 uses ::ffff:a.b.c.d. */
  localGid: string;
  remoteGid: string;
  flowLabel: number;
  packetRate: number;
  trafficClass: number;
  hopLimit: number;
  sl: number;
  subnetLocal: boolean;
  /** Local ACK timeout exponent: 4.096 µs × 2^t. */
  localAckTimeout: number;
}

/** Table 106 REQ. */
export interface CmReq {
  type: 'REQ';
  localCommId: number;
  serviceId: bigint;
  localCaGuid: bigint;
  localQkey: number;
  localQpn: number;
  responderResources: number;
  localEecn: number;
  initiatorDepth: number;
  remoteEecn: number;
  remoteCmResponseTimeout: number;
  /** 0 = RC, 1 = UC, 3 = XRC via extended type (IBA table 106). */
  transportServiceType: number;
  endToEndFlowControl: boolean;
  startingPsn: number;
  localCmResponseTimeout: number;
  retryCount: number;
  pkey: number;
  /** IB MTU enum 1..5. */
  pathMtu: number;
  rdcExists: boolean;
  rnrRetryCount: number;
  maxCmRetries: number;
  srq: boolean;
  extendedTransportType: number;
  primaryPath: CmPath;
  /** All-zero when there is no alternate path. */
  alternatePath: CmPath;
  sapSupported: boolean;
  /** Up to 92 bytes; decoded as the full 92 (the wire carries no length). */
  privateData: Uint8Array;
}

/** Table 107 MRA. */
export interface CmMra {
  type: 'MRA';
  localCommId: number;
  remoteCommId: number;
  /** 0 = REQ, 1 = REP, 2 = LAP. */
  messageMraed: number;
  serviceTimeout: number;
  privateData: Uint8Array;
}

/** Table 108 REJ. */
export interface CmRej {
  type: 'REJ';
  localCommId: number;
  remoteCommId: number;
  /** 0 = REQ, 1 = REP, 2 = no message. */
  messageRejected: number;
  rejectedInfoLength: number;
  /** `CmRejectReason`. */
  reason: number;
  additionalRejectInfo: Uint8Array;
  privateData: Uint8Array;
}

/** Table 110 REP. */
export interface CmRep {
  type: 'REP';
  localCommId: number;
  remoteCommId: number;
  localQkey: number;
  localQpn: number;
  localEecn: number;
  startingPsn: number;
  responderResources: number;
  initiatorDepth: number;
  targetAckDelay: number;
  failoverAccepted: number;
  endToEndFlowControl: boolean;
  rnrRetryCount: number;
  srq: boolean;
  localCaGuid: bigint;
  privateData: Uint8Array;
}

/** Table 111 RTU. */
export interface CmRtu {
  type: 'RTU';
  localCommId: number;
  remoteCommId: number;
  privateData: Uint8Array;
}

/** Table 112 DREQ. */
export interface CmDreq {
  type: 'DREQ';
  localCommId: number;
  remoteCommId: number;
  remoteQpn: number;
  privateData: Uint8Array;
}

/** Table 113 DREP. */
export interface CmDrep {
  type: 'DREP';
  localCommId: number;
  remoteCommId: number;
  privateData: Uint8Array;
}

export type CmMessage = CmReq | CmMra | CmRej | CmRep | CmRtu | CmDreq | CmDrep;

/** Private-data capacity of each message (IBA table 104 / ibta_vol1_c12.h *_PRIVATE_DATA widths). */
export const CM_PRIVATE_DATA_BYTES = {
  REQ: 92,
  MRA: 222,
  REJ: 148,
  REP: 196,
  RTU: 224,
  DREQ: 220,
  DREP: 224,
} as const;

/** REJ reasons (IBA 12.6.7.2 table 109; ib_cm.h enum ib_cm_rej_reason). */
export const CmRejectReason = {
  NO_QP: 1,
  NO_EEC: 2,
  NO_RESOURCES: 3,
  TIMEOUT: 4,
  UNSUPPORTED: 5,
  INVALID_COMM_ID: 6,
  INVALID_COMM_INSTANCE: 7,
  INVALID_SERVICE_ID: 8,
  INVALID_TRANSPORT_TYPE: 9,
  STALE_CONN: 10,
  RDC_NOT_EXIST: 11,
  INVALID_GID: 12,
  INVALID_LID: 13,
  INVALID_SL: 14,
  INVALID_TRAFFIC_CLASS: 15,
  INVALID_HOP_LIMIT: 16,
  INVALID_PACKET_RATE: 17,
  INVALID_MTU: 26,
  INSUFFICIENT_RESP_RESOURCES: 27,
  CONSUMER_DEFINED: 28,
  INVALID_RNR_RETRY: 29,
  DUPLICATE_LOCAL_COMM_ID: 30,
  INVALID_CLASS_VERSION: 31,
} as const;

/** Path fields relative to the path's base (CM_REQ_PRIMARY_* minus 52). */
function pathFields(base: number): FieldSpec<CmPath>[] {
  return [
    uint('localLid', base, 16),
    uint('remoteLid', base + 2, 16),
    gid('localGid', base + 4),
    gid('remoteGid', base + 20),
    uint('flowLabel', base + 36, 20),
    uint('packetRate', base + 39, 6, 2),
    uint('trafficClass', base + 40, 8),
    uint('hopLimit', base + 41, 8),
    uint('sl', base + 42, 4),
    flag('subnetLocal', base + 42, 4),
    uint('localAckTimeout', base + 43, 5),
  ];
}
export const REQ_PRIMARY_PATH_FIELDS: readonly FieldSpec<CmPath>[] = pathFields(52);
export const REQ_ALTERNATE_PATH_FIELDS: readonly FieldSpec<CmPath>[] = pathFields(96);

export const REQ_FIELDS: readonly FieldSpec<CmReq>[] = [
  uint('localCommId', 0, 32),
  u64('serviceId', 8),
  u64('localCaGuid', 16),
  uint('localQkey', 28, 32),
  uint('localQpn', 32, 24),
  uint('responderResources', 35, 8),
  uint('localEecn', 36, 24),
  uint('initiatorDepth', 39, 8),
  uint('remoteEecn', 40, 24),
  uint('remoteCmResponseTimeout', 43, 5),
  uint('transportServiceType', 43, 2, 5),
  flag('endToEndFlowControl', 43, 7),
  uint('startingPsn', 44, 24),
  uint('localCmResponseTimeout', 47, 5),
  uint('retryCount', 47, 3, 5),
  uint('pkey', 48, 16),
  uint('pathMtu', 50, 4),
  flag('rdcExists', 50, 4),
  uint('rnrRetryCount', 50, 3, 5),
  uint('maxCmRetries', 51, 4),
  flag('srq', 51, 4),
  uint('extendedTransportType', 51, 3, 5),
  flag('sapSupported', 139, 5),
  bytes('privateData', 140, CM_PRIVATE_DATA_BYTES.REQ),
];

export const MRA_FIELDS: readonly FieldSpec<CmMra>[] = [
  uint('localCommId', 0, 32),
  uint('remoteCommId', 4, 32),
  uint('messageMraed', 8, 2),
  uint('serviceTimeout', 9, 5),
  bytes('privateData', 10, CM_PRIVATE_DATA_BYTES.MRA),
];

export const REJ_FIELDS: readonly FieldSpec<CmRej>[] = [
  uint('localCommId', 0, 32),
  uint('remoteCommId', 4, 32),
  uint('messageRejected', 8, 2),
  uint('rejectedInfoLength', 9, 7),
  uint('reason', 10, 16),
  bytes('additionalRejectInfo', 12, 72),
  bytes('privateData', 84, CM_PRIVATE_DATA_BYTES.REJ),
];

export const REP_FIELDS: readonly FieldSpec<CmRep>[] = [
  uint('localCommId', 0, 32),
  uint('remoteCommId', 4, 32),
  uint('localQkey', 8, 32),
  uint('localQpn', 12, 24),
  uint('localEecn', 16, 24),
  uint('startingPsn', 20, 24),
  uint('responderResources', 24, 8),
  uint('initiatorDepth', 25, 8),
  uint('targetAckDelay', 26, 5),
  uint('failoverAccepted', 26, 2, 5),
  flag('endToEndFlowControl', 26, 7),
  uint('rnrRetryCount', 27, 3),
  flag('srq', 27, 3),
  u64('localCaGuid', 28),
  bytes('privateData', 36, CM_PRIVATE_DATA_BYTES.REP),
];

export const RTU_FIELDS: readonly FieldSpec<CmRtu>[] = [
  uint('localCommId', 0, 32),
  uint('remoteCommId', 4, 32),
  bytes('privateData', 8, CM_PRIVATE_DATA_BYTES.RTU),
];

export const DREQ_FIELDS: readonly FieldSpec<CmDreq>[] = [
  uint('localCommId', 0, 32),
  uint('remoteCommId', 4, 32),
  uint('remoteQpn', 8, 24),
  bytes('privateData', 12, CM_PRIVATE_DATA_BYTES.DREQ),
];

export const DREP_FIELDS: readonly FieldSpec<CmDrep>[] = [
  uint('localCommId', 0, 32),
  uint('remoteCommId', 4, 32),
  bytes('privateData', 8, CM_PRIVATE_DATA_BYTES.DREP),
];
