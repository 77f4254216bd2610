/**
 * splitmix32 step: a Weyl sequence (golden-ratio increment) through a 32-bit avalanche mixer
 * (constants from Chris Wellons' hash prospector). Used only to expand one seed into
 * well-mixed, non-zero xoshiro state words.
 */
export function splitmix32(state: number): { value: number; state: number } {
  const next = (state + 0x9e3779b9) | 0;
  let z = next ^ (next >>> 16);
  z = Math.imul(z, 0x21f0aaad);
  z ^= z >>> 15;
  z = Math.imul(z, 0x735a2d97);
  z ^= z >>> 15;
  return { value: z >>> 0, state: next };
}
