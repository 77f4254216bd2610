import 'reflect-metadata';
import { afterAll, beforeAll } from 'vitest';
import { clientSuite } from './support/client-suite.js';
import { buildNfsRdmaStack, type NfsRdmaStack } from './support/rdma-stack.js';

let stack: NfsRdmaStack;
beforeAll(async () => {
  stack = await buildNfsRdmaStack({ seed: 1, policies: 'linux-7.2' });
});
afterAll(async () => {
  await stack?.close();
});

clientSuite('the rdmalab server (memory store) over RDMA on the simulated HCA (linux-7.2)', ({ cacheBytes }) =>
  stack.mount({ cacheBytes }),
);
