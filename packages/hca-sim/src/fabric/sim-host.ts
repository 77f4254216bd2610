import type { PhysicalMemory } from '@rdmalab/kernel';
import type { CmAgent, Iommu, SoftDevice } from '@rdmalab/roce';
import type { VerbsHost } from '@rdmalab/verbs';
import type { MapFailureInjector } from '../iommu/map-failure-injector.js';
import type { EgressPort } from './egress-port.js';
import type { FabricLink } from './fabric-link.js';
import type { ResolvedLink } from './link-options.js';

/** How a host's HCA reaches memory: through a strict IOMMU, or straight to physical addresses. */
export type IommuModel = 'strict' | 'passthrough';

/** How a host's HCA frees Send Queue slots: as mlx5 (`signaled-only`) or as rxe (`each`). */
export type SqRetirement = 'signaled-only' | 'each';

/** Mutable per-host HCA processing delay, ns. */
export interface HcaProcessingDelay {
  rxNs: number;
  txNs: number;
}

/** One simulated machine: memory, an HCA behind an IOMMU model, a CM, a cable to the switch. */
export interface SimHost extends VerbsHost {
  readonly name: string;
  readonly ip: string;
  readonly mac: string;
  readonly memory: PhysicalMemory;
  readonly iommuModel: IommuModel;
  readonly iommu: Iommu;
  readonly sqRetirement: SqRetirement;
  readonly device: SoftDevice;
  readonly cm: CmAgent;
  readonly mapFailures: MapFailureInjector;
  /** Change at any time; applies to packets processed from then on. */
  readonly processingDelay: HcaProcessingDelay;
  /** @internal fabric plumbing */
  readonly link: FabricLink;
  /** @internal */
  readonly linkParams: ResolvedLink;
  /** @internal host → switch */
  readonly uplink: EgressPort;
  /** @internal switch → host */
  readonly downlink: EgressPort;
}
