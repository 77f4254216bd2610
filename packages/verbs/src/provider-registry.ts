import type { ConnectionManager } from './cm/connection-manager.js';
import type { Device } from './device.js';
import { VerbsError } from './errors.js';

/** What a backend gives one host: its RDMA devices and its connection manager. */
export interface VerbsHost {
  readonly name: string;
  readonly devices: readonly Device[];
  readonly cm: ConnectionManager;
}

/**
 * A backend (the simulated HCA, rxe, …) registers a provider under a name; compositions pick one by
 * name, the way ib_register_device makes devices visible to ULPs that never name a driver.
 */
export interface DeviceProvider<TOptions = unknown> {
  readonly name: string;
  readonly description: string;
  /** Bring up one host's devices and CM. */
  createHost(options: TOptions): VerbsHost;
}

/** The registry of device providers. */
export interface ProviderRegistry {
  register(provider: DeviceProvider<never>): void;
  get(name: string): DeviceProvider<never>;
  has(name: string): boolean;
  names(): string[];
}

/** The default in-memory registry. EEXIST on a duplicate name; ENODEV naming the known ones on a miss. */
export class DeviceProviderRegistry implements ProviderRegistry {
  readonly #providers = new Map<string, DeviceProvider<never>>();

  register(provider: DeviceProvider<never>): void {
    if (this.#providers.has(provider.name)) {
      throw new VerbsError('EEXIST', `device provider "${provider.name}" is already registered`);
    }
    this.#providers.set(provider.name, provider);
  }

  get(name: string): DeviceProvider<never> {
    const provider = this.#providers.get(name);
    if (!provider) {
      const known = this.names().join(', ') || 'none';
      throw new VerbsError('ENODEV', `no device provider named "${name}" (registered: ${known})`);
    }
    return provider;
  }

  has(name: string): boolean {
    return this.#providers.has(name);
  }

  names(): string[] {
    return [...this.#providers.keys()].sort();
  }
}
