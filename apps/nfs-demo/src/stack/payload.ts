/** `text` repeated to `length` bytes (ASCII), so a leaked page reads as words in a capture. */
export function textBytes(text: string, length: number): Uint8Array {
  const src = new TextEncoder().encode(text);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = src[i % src.length]!;
  return out;
}

/** A deterministic byte pattern for file `n` (differs per file and per offset). */
export function patternBytes(length: number, n: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + n * 97 + (i >> 9)) & 0xff;
  return out;
}

/** Byte-for-byte equality (I6). */
export function intact(readBack: Uint8Array, written: Uint8Array): boolean {
  if (readBack.length !== written.length) return false;
  for (let i = 0; i < written.length; i++) if (readBack[i] !== written[i]) return false;
  return true;
}
