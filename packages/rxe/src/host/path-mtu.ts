import { type Mtu, mtuBytes, mtuFromBytes } from '@rdmalab/verbs';
import { RxeError } from '../errors.js';

/** rxe leaves this much of the netdev MTU for headers when it picks the IB MTU (rxe_param.h RXE_MAX_HDR_LENGTH). */
export const RXE_MAX_HDR_LENGTH = 80;
/** A standard Ethernet netdev MTU: rxe's port MTU on it is 1024. */
export const ETHERNET_MTU = 1500;

/** rxe's rule (rxe_param.h eth_mtu_int_to_enum): the largest IB MTU that fits in `netdevMtu - 80`. */
export function ibMtuForNetdev(netdevMtu: number): Mtu {
  if (!Number.isInteger(netdevMtu) || netdevMtu < 256 + RXE_MAX_HDR_LENGTH || netdevMtu > 65536)
    throw new RxeError(
      'EINVAL',
      `netdevMtu=${String(netdevMtu)} must be an integer ${256 + RXE_MAX_HDR_LENGTH}..65536`,
    );
  for (let bytes = 4096; bytes >= 256; bytes /= 2) {
    if (bytes <= netdevMtu - RXE_MAX_HDR_LENGTH) return mtuFromBytes(bytes)!;
  }
  return mtuFromBytes(256)!;
}

/** The path MTU of a host: `mtu` in bytes (256..4096, a power of two) if given, else from `netdevMtu`. */
export function resolvePathMtu(mtu: number | undefined, netdevMtu: number | undefined): Mtu {
  if (mtu === undefined) return ibMtuForNetdev(netdevMtu ?? ETHERNET_MTU);
  const enumValue = mtuFromBytes(mtu);
  if (enumValue === undefined)
    throw new RxeError('EINVAL', `mtu=${String(mtu)} must be 256, 512, 1024, 2048 or 4096 bytes`);
  if (netdevMtu !== undefined && mtuBytes(ibMtuForNetdev(netdevMtu)) < mtu)
    throw new RxeError(
      'EINVAL',
      `mtu=${mtu} does not fit a ${netdevMtu}-byte netdev (${RXE_MAX_HDR_LENGTH} bytes of headers)`,
    );
  return enumValue;
}
