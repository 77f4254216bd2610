/** `enum ibv_mtu` (IBA 9.x path MTU): the enum value and the payload bytes per packet it stands for. */
export const Mtu = {
  MTU_256: 1,
  MTU_512: 2,
  MTU_1024: 3,
  MTU_2048: 4,
  MTU_4096: 5,
} as const;
export type Mtu = (typeof Mtu)[keyof typeof Mtu];

/** Bytes of payload per packet for an MTU enum value. */
export function mtuBytes(mtu: Mtu): number {
  return 128 << mtu;
}

/** The largest MTU enum whose size is <= bytes; EINVAL-free helper for configuration. */
export function mtuFromBytes(bytes: number): Mtu | undefined {
  for (let m = Mtu.MTU_4096; m >= Mtu.MTU_256; m--) {
    if (128 << m === bytes) return m as Mtu;
  }
  return undefined;
}
