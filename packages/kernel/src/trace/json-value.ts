/**
 * JSON.stringify replacer for trace fields: bigint (which JSON.stringify rejects) becomes its
 * decimal string, and byte arrays become full hex strings rather than {"0":..,"1":..} objects.
 */
export function traceFieldReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex');
  return value;
}
