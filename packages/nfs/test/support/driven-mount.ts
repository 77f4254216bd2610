import { NfsFileHandle } from '../../src/client/file-handle.js';
import type { NfsMount } from '../../src/client/nfs-mount.js';
import type { VirtualTimeDriver } from './virtual-time-driver.js';

type Method = (...args: unknown[]) => unknown;

/**
 * `target` as code written for a real clock sees it: every method that returns a promise has it
 * driven through virtual time, and file handles it resolves with are driven the same way.
 * Methods run on the target itself, so private state is untouched.
 */
function driven<T extends object>(target: T, driver: VirtualTimeDriver): T {
  return new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        const out = (value as Method).apply(t, args);
        if (!(out instanceof Promise)) return out;
        return driver
          .run(out as Promise<unknown>)
          .then((result) => (result instanceof NfsFileHandle ? driven(result, driver) : result));
      };
    },
  });
}

/** An NfsMount whose calls run the simulated fabric's clock until they settle. */
export function drivenMount(mount: NfsMount, driver: VirtualTimeDriver): NfsMount {
  return driven(mount, driver);
}
