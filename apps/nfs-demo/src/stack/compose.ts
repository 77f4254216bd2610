// tsyringe reads decorator metadata at import time: the polyfill must load first.
import 'reflect-metadata';
import { type MemoryStoreOptions, registerNfs } from '@rdmalab/nfs';
import { registerSunrpc } from '@rdmalab/sunrpc';
import { type DependencyContainer, container as rootContainer } from 'tsyringe';
import { composeRxeHost, type RxeStackOptions } from './rdma-rxe.js';

export interface NfsStackOptions {
  /** Options of the in-memory store bound to NFS_STORE. */
  readonly memoryStore?: MemoryStoreOptions;
  /**
   * Put the stack on an rxe host (Soft-RoCE over real UDP 4791) on this address: the container
   * returned is that host's, its TRANSPORT_REGISTRY holds "tcp" and xprtrdma's "rdma".
   */
  readonly rxe?: RxeStackOptions;
}

/** Builds the DI container of one NFS stack: the modules the `serve` and `nfs` commands run on. */
export type ComposeNfsStack = (options?: NfsStackOptions) => DependencyContainer;

/**
 * The CLI's NFS stack: sunrpc's transport switch (holding "tcp") and nfs's in-memory store, in a
 * fresh child container so each command run gets its own registry and store. With `rxe`, an rxe
 * host and xprtrdma join it (see composeRxeHost), so `--transport rdma` finds its class.
 */
export const composeNfsStack: ComposeNfsStack = (options = {}) => {
  const container = rootContainer.createChildContainer();
  registerSunrpc(container);
  registerNfs(container, { memoryStore: options.memoryStore });
  return options.rxe === undefined ? container : composeRxeHost(container, options.rxe);
};
