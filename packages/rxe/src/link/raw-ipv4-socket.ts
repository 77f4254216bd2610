import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { RxeError } from '../errors.js';

/**
 * The native binding built from native/raw-ipv4.c by scripts/build-native.mjs (optional: it is absent
 * where no C compiler or Node headers existed at build time). Errors come back as errno numbers.
 */
interface RawIpv4Binding {
  /** fd ≥ 0, or −errno. */
  open(sendBufferBytes: number): number;
  /** 0, or errno. */
  send(fd: number, packet: Uint8Array): number;
  /** 0, or errno. */
  close(fd: number): number;
}

// The same relative path works from src/link (tests) and dist/link (the built package).
const ADDON_PATH = fileURLToPath(new URL('../../dist/native/raw-ipv4.node', import.meta.url));

let binding: RawIpv4Binding | Error | undefined;

function loadBinding(): RawIpv4Binding | Error {
  if (binding !== undefined) return binding;
  try {
    binding = createRequire(import.meta.url)(ADDON_PATH) as RawIpv4Binding;
  } catch (error) {
    binding = error instanceof Error ? error : new Error(String(error));
  }
  return binding;
}

const ERRNO_NAMES = new Map<number, string>(
  Object.entries(constants.errno).map(([name, value]) => [value, name]),
);

/** errno number → its name (EAGAIN, EPERM, …). */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}

/**
 * A raw IPv4 socket (AF_INET, SOCK_RAW, IPPROTO_RAW; IP_HDRINCL implied): each send is a whole IPv4 packet
 * whose header — Identification included — leaves the host as written. The kernel fills only the header
 * checksum, and the ID when it is 0 (raw(7)), so callers write non-zero IDs. Needs root or CAP_NET_RAW.
 */
export class RawIpv4Socket {
  readonly #binding: RawIpv4Binding;
  #fd: number;

  private constructor(b: RawIpv4Binding, fd: number) {
    this.#binding = b;
    this.#fd = fd;
  }

  /** Opens a non-blocking raw socket; throws RxeError ENOTSUP (addon not built) or EPERM / EACCES / EIO. */
  static open(sendBufferBytes: number): RawIpv4Socket {
    const b = loadBinding();
    if (b instanceof Error)
      throw new RxeError(
        'ENOTSUP',
        `raw-socket sender unavailable: native addon ${ADDON_PATH} did not load (${b.message.split('\n')[0]}); build the package with a C compiler`,
        { cause: b },
      );
    const fd = b.open(sendBufferBytes);
    if (fd < 0) {
      const name = errnoName(-fd);
      const code = name === 'EPERM' || name === 'EACCES' ? name : 'EIO';
      throw new RxeError(
        code,
        `raw-socket sender unavailable: socket(AF_INET, SOCK_RAW, IPPROTO_RAW) failed with ${name} (needs root or CAP_NET_RAW)`,
      );
    }
    return new RawIpv4Socket(b, fd);
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  /** Sends one IPv4 packet to the destination in its header. Returns undefined, or the errno name (EAGAIN, …). */
  send(packet: Uint8Array): string | undefined {
    if (this.#fd < 0) return 'EBADF';
    const errno = this.#binding.send(this.#fd, packet);
    return errno === 0 ? undefined : errnoName(errno);
  }

  close(): void {
    if (this.#fd < 0) return;
    this.#binding.close(this.#fd);
    this.#fd = -1;
  }
}
