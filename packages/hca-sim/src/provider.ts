import type { DeviceProvider, VerbsHost } from '@rdmalab/verbs';
import type { SimFabric, SimHostOptions } from './fabric/sim-fabric.js';

/** What the "sim" provider needs to bring up one host. */
export interface SimProviderHostOptions extends SimHostOptions {
  name: string;
}

/** The name compositions pick the simulated HCA by. */
export const SIM_PROVIDER_NAME = 'sim';

/** The DeviceProvider "sim": each host it creates is a new host on one shared simulated fabric. */
export class SimDeviceProvider implements DeviceProvider<SimProviderHostOptions> {
  readonly name = SIM_PROVIDER_NAME;
  readonly description = 'Simulated RoCE HCA on a deterministic virtual-time fabric (@rdmalab/hca-sim)';

  constructor(readonly fabric: SimFabric) {}

  createHost(options: SimProviderHostOptions): VerbsHost {
    const { name, ...hostOptions } = options;
    return this.fabric.addHost(name, hostOptions);
  }
}
