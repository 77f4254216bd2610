// tsyringe reads decorator metadata at import time: the polyfill must load first.
import 'reflect-metadata';
import { type MemoryStoreOptions, registerNfs } from '@rdmalab/nfs';
import { registerSunrpc } from '@rdmalab/sunrpc';
import { type DependencyContainer, container as rootContainer } from 'tsyringe';

export interface NfsStackOptions {
  /** Options of the in-memory store bound to NFS_STORE. */
  readonly memoryStore?: MemoryStoreOptions;
}

/** Builds the DI container of one NFS stack: the modules the `serve` and `nfs` commands run on. */
export type ComposeNfsStack = (options?: NfsStackOptions) => DependencyContainer;

/**
 * The CLI's NFS stack: sunrpc's transport switch (holding "tcp") and nfs's in-memory store, in a
 * fresh child container so each command run gets its own registry and store. Transport classes
 * added to TRANSPORT_REGISTRY (e.g. "rdma") become selectable with `--transport`.
 */
export const composeNfsStack: ComposeNfsStack = (options = {}) => {
  const container = rootContainer.createChildContainer();
  registerSunrpc(container);
  registerNfs(container, { memoryStore: options.memoryStore });
  return container;
};
