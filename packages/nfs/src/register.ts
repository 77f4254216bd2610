import 'reflect-metadata';
import type { DependencyContainer } from 'tsyringe';
import { instancePerContainerCachingFactory } from 'tsyringe';
import { NFS_STORE } from './store/contract.js';
import { MemoryStore, type MemoryStoreOptions } from './store/memory-store.js';

export interface NfsOptions {
  /** Options of the default in-memory store. */
  readonly memoryStore?: MemoryStoreOptions;
}

/**
 * Binds NFS_STORE to a MemoryStore, one per container (each host's child container gets its own
 * export). Override with `container.register(NFS_STORE, { useValue: await DirectoryStore.open(dir) })`.
 */
export function registerNfs(container: DependencyContainer, options: NfsOptions = {}): void {
  container.register(NFS_STORE, {
    useFactory: instancePerContainerCachingFactory(() => new MemoryStore(options.memoryStore)),
  });
}
