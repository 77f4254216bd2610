import 'reflect-metadata';
import { afterAll, beforeAll } from 'vitest';
import { mountNfs } from '../src/client/mount.js';
import { NfsServer } from '../src/server/nfs-server.js';
import { clientSuite } from './support/client-suite.js';

let server: NfsServer;
let port = 0;
beforeAll(async () => {
  server = new NfsServer();
  port = (await server.listen()).port;
});
afterAll(async () => {
  await server.close();
});

clientSuite('the rdmalab server (memory store) over TCP', ({ cacheBytes }) =>
  mountNfs({ host: '127.0.0.1', port, mountPort: port, path: '/export', cacheBytes }),
);
