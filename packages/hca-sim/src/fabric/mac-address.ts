import { SimError } from '../errors.js';

/**
 * The MAC of a simulated host's port, derived from its IPv4 address so captures are reproducible:
 * 02:00:a:b:c:d — the 0x02 first octet marks a locally administered unicast address (IEEE 802 §8.2).
 */
export function macForIp(ip: string): string {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new SimError('EINVAL', `ip "${ip}" is not a dotted-quad IPv4 address`);
  }
  return ['02', '00', ...parts.map((p) => Number(p).toString(16).padStart(2, '0'))].join(':');
}
