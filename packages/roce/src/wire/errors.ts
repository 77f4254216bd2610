/** Why a packet, frame or MAD could not be decoded. Stable strings: callers switch on them. */
export type WireDecodeReason =
  | 'TRUNCATED'
  | 'BAD_OPCODE'
  | 'BAD_PAD'
  | 'BAD_ICRC'
  | 'BAD_TVER'
  | 'LENGTH_MISMATCH'
  | 'BAD_ETHERTYPE'
  | 'BAD_IP_HEADER'
  | 'BAD_IP_CHECKSUM'
  | 'IP_FRAGMENT'
  | 'NOT_UDP'
  | 'NOT_ROCE_PORT'
  | 'BAD_UDP_CHECKSUM';

/** A decode failure: never thrown by receive paths, returned. `offset` is into the buffer given. */
export interface DecodeFailure<R extends string = WireDecodeReason> {
  readonly ok: false;
  readonly reason: R;
  readonly offset: number;
  readonly detail: string;
}

export interface DecodeSuccess<T> {
  readonly ok: true;
  readonly value: T;
}

export type DecodeResult<T, R extends string = WireDecodeReason> = DecodeSuccess<T> | DecodeFailure<R>;

export function decodeFailure<R extends string>(reason: R, offset: number, detail: string): DecodeFailure<R> {
  return { ok: false, reason, offset, detail };
}

/** A decode failure as an Error, for callers that prefer to throw (`code` = the failure reason). */
export class RoceDecodeError<R extends string = string> extends Error {
  readonly code: R;
  readonly offset: number;
  readonly detail: string;

  constructor(failure: DecodeFailure<R>) {
    super(`${failure.reason} at byte ${failure.offset}: ${failure.detail}`);
    this.name = 'RoceDecodeError';
    this.code = failure.reason;
    this.offset = failure.offset;
    this.detail = failure.detail;
  }
}

/** Returns the decoded value or throws a RoceDecodeError carrying the failure. */
export function unwrapDecode<T, R extends string>(result: DecodeResult<T, R>): T {
  if (result.ok) return result.value;
  throw new RoceDecodeError(result);
}

/** Error codes of encoders: EINVAL for a field out of range or missing, EMSGSIZE for data too long. */
export type RoceEncodeErrorCode = 'EINVAL' | 'EMSGSIZE';

/** Thrown by encoders (sending side) for a bad structured input; names the offending field. */
export class RoceEncodeError extends Error {
  readonly code: RoceEncodeErrorCode;
  readonly field: string;

  constructor(code: RoceEncodeErrorCode, field: string, message: string) {
    super(`${code}: ${field}: ${message}`);
    this.name = 'RoceEncodeError';
    this.code = code;
    this.field = field;
  }
}
