import 'reflect-metadata';
import { SCHEDULER, type Scheduler, TRACER, type Tracer } from '@rdmalab/kernel';
import { TRANSPORT_REGISTRY, type TransportClass, XPRT_TRANSPORT_RDMA } from '@rdmalab/sunrpc';
import { CONNECTION_MANAGER, type ConnectionManager } from '@rdmalab/verbs';
import type { DependencyContainer, InjectionToken } from 'tsyringe';
import { RdmaClientTransport } from './client/transport.js';
import { PolicyError } from './policies/errors.js';
import { INLINE_PAGES_POLICY } from './policies/inline-pages/policy.js';
import { PREP_FAILURE_POLICY } from './policies/prep-failure/policy.js';
import {
  buildPolicies,
  type PolicySpec,
  PRESETS,
  type PresetName,
  type SendPathPolicies,
} from './policies/presets.js';
import { SEND_LIFETIME_POLICY } from './policies/send-lifetime/policy.js';
import { SIGNALING_POLICY } from './policies/signaling/policy.js';
import { SEND_PATH_POLICIES } from './policies/tokens.js';
import { RdmaServerTransport } from './server/transport.js';

export interface XprtRdmaOptions {
  /** A preset name or a spec; default `linux-7.2` (every known bug fixed). */
  readonly policies?: PresetName | PolicySpec;
  /** Client request limit (default 128) and server credits (default 32). */
  readonly maxRequests?: number;
  readonly serverCredits?: number;
  readonly inlineSend?: number;
  readonly inlineRecv?: number;
  /** For the `flag-bit` wake-up: virtual ns before the RPC layer sleeps. */
  readonly flagBitSleepAfterNs?: number;
}

/** The transport class as the registry holds it; built per host container. */
export const RDMA_TRANSPORT_CLASS: InjectionToken<TransportClass> = Symbol('rdmalab.xprtrdma.TransportClass');

/**
 * Bind the xprtrdma defaults in `container` (one host's child container): the five policy tokens
 * from the preset (each rebindable on its own), the policy bundle built from those tokens, and
 * the "rdma" transport class, registered into TRANSPORT_REGISTRY when that is bound. Needs
 * SCHEDULER (registerKernel) and CONNECTION_MANAGER (a backend's VERBS_HOST).
 */
export function registerXprtrdma(container: DependencyContainer, options: XprtRdmaOptions = {}): void {
  const spec: PolicySpec =
    typeof options.policies === 'string'
      ? PRESETS[options.policies]
      : (options.policies ?? PRESETS['linux-7.2']);
  if (spec === undefined) throw new PolicyError(`unknown preset ${JSON.stringify(options.policies)}`);
  let built: SendPathPolicies | undefined;
  const policies = (c: DependencyContainer): SendPathPolicies => {
    built ??= buildPolicies(spec, c.resolve<Scheduler>(SCHEDULER), {
      flagBitSleepAfterNs: options.flagBitSleepAfterNs ?? 0,
    });
    return built;
  };
  container.register(SEND_LIFETIME_POLICY, { useFactory: (c) => policies(c).sendLifetime });
  container.register(SIGNALING_POLICY, { useFactory: (c) => policies(c).signaling });
  container.register(PREP_FAILURE_POLICY, { useFactory: (c) => policies(c).prepFailure });
  container.register(INLINE_PAGES_POLICY, { useFactory: (c) => policies(c).inlinePages });
  container.register(SEND_PATH_POLICIES, {
    useFactory: (c) => ({
      sendLifetime: c.resolve(SEND_LIFETIME_POLICY),
      signaling: c.resolve(SIGNALING_POLICY),
      wakeup: policies(c).wakeup,
      prepFailure: c.resolve(PREP_FAILURE_POLICY),
      inlinePages: c.resolve(INLINE_PAGES_POLICY),
      mrPool: policies(c).mrPool,
    }),
  });
  container.register(RDMA_TRANSPORT_CLASS, {
    useFactory: (c) => {
      const cm = c.resolve<ConnectionManager>(CONNECTION_MANAGER);
      const tracer = c.isRegistered(TRACER, true) ? c.resolve<Tracer>(TRACER) : undefined;
      return {
        name: 'rdma',
        ident: XPRT_TRANSPORT_RDMA,
        netid: 'rdma',
        createClient: (args) =>
          new RdmaClientTransport({
            cm,
            host: args.host,
            port: args.port,
            scheduler: args.scheduler,
            policies: c.resolve(SEND_PATH_POLICIES),
            ...(tracer ? { tracer } : {}),
            ...(options.maxRequests !== undefined ? { maxRequests: options.maxRequests } : {}),
            ...(options.inlineSend !== undefined ? { inlineSend: options.inlineSend } : {}),
            ...(options.inlineRecv !== undefined ? { inlineRecv: options.inlineRecv } : {}),
          }),
        createServer: (args) =>
          new RdmaServerTransport({
            cm,
            host: args.host,
            port: args.port,
            scheduler: args.scheduler,
            ...(tracer ? { tracer } : {}),
            ...(options.serverCredits !== undefined ? { credits: options.serverCredits } : {}),
            ...(options.inlineSend !== undefined ? { inlineSend: options.inlineSend } : {}),
            ...(options.inlineRecv !== undefined ? { inlineRecv: options.inlineRecv } : {}),
          }),
      };
    },
  });
  if (container.isRegistered(TRANSPORT_REGISTRY, true)) {
    const registry = container.resolve(TRANSPORT_REGISTRY);
    if (!registry.has('rdma')) registry.register(container.resolve(RDMA_TRANSPORT_CLASS));
  }
}
