import type { DeviceProvider } from '@rdmalab/verbs';
import { RxeHost, type RxeHostOptions } from './host/rxe-host.js';

/** The name compositions pick the rxe backend by. */
export const RXE_PROVIDER_NAME = 'rxe';

/** What the "rxe" provider needs to bring up one host. */
export interface RxeProviderHostOptions extends RxeHostOptions {
  name: string;
}

/**
 * The DeviceProvider "rxe": each host is a UDP socket on its own IPv4 address. The returned host binds
 * asynchronously — `await (host as RxeHost).ready` before connecting (sends queue until then).
 */
export class RxeDeviceProvider implements DeviceProvider<RxeProviderHostOptions> {
  readonly name = RXE_PROVIDER_NAME;
  readonly description = 'Soft-RoCE over real UDP port 4791 sockets in real time (@rdmalab/rxe)';
  readonly #defaults: Partial<RxeHostOptions>;
  readonly #hosts: RxeHost[] = [];

  constructor(defaults: Partial<RxeHostOptions> = {}) {
    this.#defaults = defaults;
  }

  createHost(options: RxeProviderHostOptions): RxeHost {
    const host = new RxeHost({ ...this.#defaults, ...options });
    this.#hosts.push(host);
    return host;
  }

  /** Hosts this provider created and has not closed. */
  get hosts(): readonly RxeHost[] {
    return this.#hosts;
  }

  /** Close every host it created. */
  async closeAll(): Promise<void> {
    const hosts = this.#hosts.splice(0);
    await Promise.all(hosts.map((h) => h.close()));
  }
}
