import { RxeError } from '../errors.js';

/**
 * The control protocol between a PeerClient and a PeerServer: each request is one SEND whose first byte
 * is the operation; each reply is one SEND back. Multi-byte fields are big-endian.
 */
export const PeerOp = {
  /** Send the whole message back unchanged. */
  ECHO: 0x01,
  /** u32 offset, u32 length: reply HASH_REPLY with SHA-256 of that range of the server's data buffer. */
  HASH: 0x02,
  /** u32 seed, u32 offset, u32 length: fill that range with patternBytes(seed); reply OK. */
  FILL: 0x03,
  OK: 0x80,
  HASH_REPLY: 0x82,
  /** A request the server could not serve: u8 reason length, UTF-8 reason. */
  ERROR: 0xff,
} as const;

/** What the server's REP private data tells the client: where its data buffer is and how big messages may be. */
export interface PeerRemoteBuffer {
  addr: number;
  rkey: number;
  length: number;
  /** Largest request or reply SEND, bytes. */
  slotBytes: number;
}

/** addr u64, rkey u32, length u32, slotBytes u32. */
export const ACCEPT_DATA_BYTES = 20;

export function encodeAcceptData(buffer: PeerRemoteBuffer): Uint8Array {
  const out = new Uint8Array(ACCEPT_DATA_BYTES);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(buffer.addr));
  view.setUint32(8, buffer.rkey);
  view.setUint32(12, buffer.length);
  view.setUint32(16, buffer.slotBytes);
  return out;
}

export function decodeAcceptData(bytes: Uint8Array | undefined): PeerRemoteBuffer {
  if (bytes === undefined || bytes.length < ACCEPT_DATA_BYTES)
    throw new RxeError(
      'EINVAL',
      `peer accept data: ${bytes?.length ?? 0} bytes at offset 0, need ${ACCEPT_DATA_BYTES}`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    addr: Number(view.getBigUint64(0)),
    rkey: view.getUint32(8),
    length: view.getUint32(12),
    slotBytes: view.getUint32(16),
  };
}

/** Encode a request: op byte followed by u32 fields. */
export function peerRequest(op: number, ...fields: number[]): Uint8Array {
  const out = new Uint8Array(1 + 4 * fields.length);
  const view = new DataView(out.buffer);
  out[0] = op;
  for (const [i, f] of fields.entries()) view.setUint32(1 + 4 * i, f);
  return out;
}
