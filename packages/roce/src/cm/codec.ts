/** CM MADs (IBA 12.6) to and from their 256 bytes. Encoders throw RoceEncodeError; decoders never throw. */
import { type DecodeResult, decodeFailure, RoceEncodeError } from '../wire/errors.js';
import { checkUint, checkUint64 } from '../wire/field-checks.js';
import { type FieldSpec, readFields, writeFields } from './fields.js';
import {
  CmAttributeId,
  type CmMessageType,
  IB_CM_CLASS_VERSION,
  IB_MGMT_BASE_VERSION,
  IB_MGMT_CLASS_CM,
  MAD_BYTES,
  MAD_HEADER_BYTES,
  type MadHeader,
  MadMethod,
  readMadHeader,
  writeMadHeader,
} from './mad-header.js';
import {
  type CmMessage,
  DREP_FIELDS,
  DREQ_FIELDS,
  MRA_FIELDS,
  REJ_FIELDS,
  REP_FIELDS,
  REQ_ALTERNATE_PATH_FIELDS,
  REQ_FIELDS,
  REQ_PRIMARY_PATH_FIELDS,
  RTU_FIELDS,
} from './messages.js';

export interface CmMad {
  /** Linux: (agent hi_tid << 32) | local comm ID (cm.c cm_form_tid). Replies echo the request's. */
  transactionId: bigint;
  message: CmMessage;
  /** Default Send (0x03), the only method CM uses. */
  method?: number;
  status?: number;
  attributeModifier?: number;
}

export type CmDecodeReason =
  | 'TRUNCATED'
  | 'LENGTH_MISMATCH'
  | 'BAD_BASE_VERSION'
  | 'NOT_CM_CLASS'
  | 'BAD_CLASS_VERSION'
  | 'UNKNOWN_ATTRIBUTE';

type AnyFields = readonly FieldSpec<CmMessage>[];

// Attribute → field table; REQ additionally carries two paths (see below).
const FIELDS: Readonly<Record<CmMessageType, AnyFields>> = {
  REQ: REQ_FIELDS as AnyFields,
  MRA: MRA_FIELDS as AnyFields,
  REJ: REJ_FIELDS as AnyFields,
  REP: REP_FIELDS as AnyFields,
  RTU: RTU_FIELDS as AnyFields,
  DREQ: DREQ_FIELDS as AnyFields,
  DREP: DREP_FIELDS as AnyFields,
};

const TYPE_BY_ATTRIBUTE = new Map<number, CmMessageType>(
  Object.entries(CmAttributeId).map(([type, id]) => [id, type as CmMessageType]),
);

/** Encodes a CM MAD into 256 bytes. Throws RoceEncodeError (EINVAL / EMSGSIZE) naming the field. */
export function encodeCmMad(mad: CmMad): Uint8Array {
  const type = mad.message.type;
  const specs = FIELDS[type];
  if (!specs) throw new RoceEncodeError('EINVAL', 'message.type', `unknown CM message ${String(type)}`);
  checkUint64('transactionId', mad.transactionId);
  const method = mad.method ?? MadMethod.SEND;
  const status = mad.status ?? 0;
  const attributeModifier = mad.attributeModifier ?? 0;
  checkUint('method', method, 8);
  checkUint('status', status, 16);
  checkUint('attributeModifier', attributeModifier, 32);
  const out = new Uint8Array(MAD_BYTES);
  const header: MadHeader = {
    baseVersion: IB_MGMT_BASE_VERSION,
    mgmtClass: IB_MGMT_CLASS_CM,
    classVersion: IB_CM_CLASS_VERSION,
    method,
    status,
    classSpecific: 0,
    transactionId: mad.transactionId,
    attributeId: CmAttributeId[type],
    attributeModifier,
  };
  writeMadHeader(new DataView(out.buffer), header);
  const data = out.subarray(MAD_HEADER_BYTES);
  writeFields(data, specs, mad.message);
  if (mad.message.type === 'REQ') {
    writeFields(data, REQ_PRIMARY_PATH_FIELDS, mad.message.primaryPath, 'primaryPath.');
    writeFields(data, REQ_ALTERNATE_PATH_FIELDS, mad.message.alternatePath, 'alternatePath.');
  }
  return out;
}

export interface DecodedCmMad {
  readonly header: MadHeader;
  readonly message: CmMessage;
}

/** Decodes a 256-byte CM MAD. Never throws. */
export function decodeCmMad(bytes: Uint8Array): DecodeResult<DecodedCmMad, CmDecodeReason> {
  if (bytes.length < MAD_BYTES) {
    return decodeFailure('TRUNCATED', bytes.length, `a MAD is ${MAD_BYTES} bytes, got ${bytes.length}`);
  }
  if (bytes.length > MAD_BYTES) {
    return decodeFailure('LENGTH_MISMATCH', MAD_BYTES, `a MAD is ${MAD_BYTES} bytes, got ${bytes.length}`);
  }
  const header = readMadHeader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (header.baseVersion !== IB_MGMT_BASE_VERSION) {
    return decodeFailure('BAD_BASE_VERSION', 0, `MAD BaseVersion ${header.baseVersion}, expected 1`);
  }
  if (header.mgmtClass !== IB_MGMT_CLASS_CM) {
    return decodeFailure(
      'NOT_CM_CLASS',
      1,
      `MgmtClass 0x${header.mgmtClass.toString(16).padStart(2, '0')} is not CM (0x07)`,
    );
  }
  if (header.classVersion !== IB_CM_CLASS_VERSION) {
    return decodeFailure('BAD_CLASS_VERSION', 2, `CM ClassVersion ${header.classVersion}, expected 2`);
  }
  const type = TYPE_BY_ATTRIBUTE.get(header.attributeId);
  if (!type) {
    return decodeFailure(
      'UNKNOWN_ATTRIBUTE',
      16,
      `AttributeID 0x${header.attributeId.toString(16).padStart(4, '0')} is not a supported CM message`,
    );
  }
  const data = bytes.subarray(MAD_HEADER_BYTES);
  const message = { ...readFields(data, FIELDS[type]), type } as CmMessage;
  if (message.type === 'REQ') {
    message.primaryPath = readFields(data, REQ_PRIMARY_PATH_FIELDS);
    message.alternatePath = readFields(data, REQ_ALTERNATE_PATH_FIELDS);
  }
  return { ok: true, value: { header, message } };
}
