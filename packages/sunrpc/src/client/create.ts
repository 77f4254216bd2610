import type { TransportRegistry } from '../transport/contract.js';
import { RpcClient, type RpcClientOptions } from './client.js';

export interface CreateRpcClientOptions extends Omit<RpcClientOptions, 'transport'> {
  /** Registered transport class name: "tcp", "rdma"… */
  readonly transport: string;
  readonly host: string;
  readonly port: number;
}

/** An RpcClient over a fresh transport of the named class (rpc_create with an xprt name). */
export function createRpcClient(registry: TransportRegistry, options: CreateRpcClientOptions): RpcClient {
  const { transport, host, port, ...rest } = options;
  const xprt = registry.get(transport).createClient({ host, port, scheduler: options.scheduler });
  return new RpcClient({ ...rest, transport: xprt });
}
