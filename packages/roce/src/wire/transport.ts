/**
 * The transport part of a RoCEv2 packet — BTH, extension headers, payload, pad — to and from bytes,
 * driven by the opcode table. The ICRC is handled by the callers, which know the IP/UDP headers.
 */

import { readBth, writeBth } from './bth.js';
import { BTH_BYTES, BTH_TVER, ICRC_BYTES } from './constants.js';
import { type DecodeResult, decodeFailure, RoceEncodeError } from './errors.js';
import { EXT_HEADER_CODECS, EXT_HEADER_FIELDS } from './extension-headers.js';
import { EXT_HEADER_BYTES, type OpcodeInfo, opcodeInfo } from './opcodes.js';
import type { RocePacket } from './packet.js';
import { padCount } from './segment.js';

/** Largest payload a RoCEv2 packet can carry: the 4096-byte IB MTU (IBA 7.7.4). */
export const MAX_PAYLOAD_BYTES = 4096;

/** Validates `packet` against its opcode's table row; returns the row. Throws RoceEncodeError. */
export function checkPacketShape(packet: RocePacket): OpcodeInfo {
  const info = opcodeInfo(packet.bth.opcode);
  if (!info || info.opcode !== packet.bth.opcode) {
    throw new RoceEncodeError('EINVAL', 'bth.opcode', `unknown opcode 0x${packet.bth.opcode.toString(16)}`);
  }
  const wantedFields = fieldsOf(info);
  for (let i = 0; i < EXT_HEADER_FIELDS.length; i++) {
    const field = EXT_HEADER_FIELDS[i]!;
    const wanted = wantedFields[i]!;
    if (wanted !== (packet[field] !== undefined)) {
      throw new RoceEncodeError(
        'EINVAL',
        field,
        wanted ? `${info.name} requires ${field}` : `${info.name} does not carry ${field}`,
      );
    }
  }
  if (!(packet.payload instanceof Uint8Array)) {
    throw new RoceEncodeError('EINVAL', 'payload', 'must be a Uint8Array');
  }
  if (!info.hasPayload && packet.payload.length !== 0) {
    throw new RoceEncodeError('EINVAL', 'payload', `${info.name} carries no payload`);
  }
  if (packet.payload.length > MAX_PAYLOAD_BYTES) {
    throw new RoceEncodeError(
      'EMSGSIZE',
      'payload',
      `${packet.payload.length} bytes exceeds the 4096-byte IB MTU`,
    );
  }
  return info;
}

// Per opcode row, which of EXT_HEADER_FIELDS it carries: computed once, checked on every encode.
const fieldsByRow = new WeakMap<OpcodeInfo, readonly boolean[]>();

function fieldsOf(info: OpcodeInfo): readonly boolean[] {
  let wanted = fieldsByRow.get(info);
  if (wanted === undefined) {
    wanted = EXT_HEADER_FIELDS.map((field) => info.headers.some((h) => EXT_HEADER_CODECS[h].field === field));
    fieldsByRow.set(info, wanted);
  }
  return wanted;
}

/** Bytes from the BTH through the pad (without ICRC). */
export function transportLength(packet: RocePacket, info: OpcodeInfo): number {
  return info.headerBytes + packet.payload.length + padCount(packet.payload.length);
}

/**
 * Writes BTH … pad into `out` at `offset` (which must be zero-filled for the reserved bytes and pad);
 * returns the bytes written.
 */
export function writeTransport(
  out: Uint8Array,
  offset: number,
  packet: RocePacket,
  info: OpcodeInfo,
): number {
  const view = new DataView(out.buffer, out.byteOffset);
  const pad = padCount(packet.payload.length);
  writeBth(view, offset, packet.bth, pad);
  let at = offset + BTH_BYTES;
  for (const header of info.headers) {
    EXT_HEADER_CODECS[header].write(view, at, packet);
    at += EXT_HEADER_BYTES[header];
  }
  out.set(packet.payload, at);
  return at + packet.payload.length + pad - offset;
}

export interface DecodedTransport {
  readonly packet: RocePacket;
  readonly info: OpcodeInfo;
  /** Offset of the ICRC in the buffer. */
  readonly icrcOffset: number;
}

/**
 * Parses BTH … pad … ICRC from `bytes[offset, offset + length)`. Checks structure only (TVer, opcode,
 * lengths, pad); the ICRC is verified by the caller. Never throws.
 */
export function readTransport(
  bytes: Uint8Array,
  offset: number,
  length: number,
): DecodeResult<DecodedTransport> {
  if (length < BTH_BYTES + ICRC_BYTES) {
    return decodeFailure('TRUNCATED', offset + length, `${length} bytes is shorter than BTH + ICRC (16)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const bth = readBth(view, offset);
  if (bth.tver !== BTH_TVER) {
    return decodeFailure('BAD_TVER', offset + 1, `BTH TVer is ${bth.tver}, must be 0`);
  }
  const info = opcodeInfo(bth.opcode);
  if (!info) {
    return decodeFailure(
      'BAD_OPCODE',
      offset,
      `opcode 0x${bth.opcode.toString(16).padStart(2, '0')} is not supported`,
    );
  }
  if (length < info.headerBytes + ICRC_BYTES) {
    return decodeFailure(
      'TRUNCATED',
      offset + length,
      `${info.name} needs ${info.headerBytes + ICRC_BYTES} bytes of headers and ICRC, got ${length}`,
    );
  }
  const rest = length - info.headerBytes - ICRC_BYTES;
  if (!info.hasPayload) {
    if (bth.padCount !== 0) {
      return decodeFailure(
        'BAD_PAD',
        offset + 1,
        `${info.name} carries no payload but PadCnt is ${bth.padCount}`,
      );
    }
    if (rest !== 0) {
      return decodeFailure(
        'LENGTH_MISMATCH',
        offset + info.headerBytes,
        `${info.name} carries no payload but ${rest} bytes follow its headers`,
      );
    }
  } else {
    if (rest % 4 !== 0) {
      return decodeFailure(
        'LENGTH_MISMATCH',
        offset + info.headerBytes,
        `payload plus pad is ${rest} bytes, not a multiple of 4`,
      );
    }
    if (bth.padCount > rest) {
      return decodeFailure(
        'BAD_PAD',
        offset + 1,
        `PadCnt ${bth.padCount} exceeds the ${rest} bytes after the headers`,
      );
    }
  }
  const packet: RocePacket = { bth, payload: bytes.subarray(0, 0) };
  let at = offset + BTH_BYTES;
  for (const header of info.headers) {
    EXT_HEADER_CODECS[header].read(view, at, packet);
    at += EXT_HEADER_BYTES[header];
  }
  const payloadLength = rest - bth.padCount;
  packet.payload = bytes.subarray(at, at + payloadLength);
  return { ok: true, value: { packet, info, icrcOffset: at + rest } };
}
