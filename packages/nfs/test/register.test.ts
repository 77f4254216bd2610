import 'reflect-metadata';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { MemoryStore, NFS_STORE, registerNfs } from '../src/index.js';

describe('registerNfs', () => {
  it('binds one MemoryStore per container, overridable per child', async () => {
    const root = container.createChildContainer();
    registerNfs(root, { memoryStore: { capacityBytes: 1 << 20 } });
    const a = root.resolve(NFS_STORE);
    expect(a).toBeInstanceOf(MemoryStore);
    expect(root.resolve(NFS_STORE)).toBe(a);
    const host = root.createChildContainer();
    expect(host.resolve(NFS_STORE)).not.toBe(a);
    expect((await a.fsstat()).tbytes).toBe(1n << 20n);
  });
});
