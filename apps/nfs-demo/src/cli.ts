#!/usr/bin/env node
import 'reflect-metadata';
import { demoCommand } from './commands/demo.js';
import { nfsCommand } from './commands/nfs.js';
import { CommandRegistry } from './commands/registry.js';
import { rpcinfoCommand } from './commands/rpcinfo.js';
import { serveCommand } from './commands/serve.js';
import { processIo } from './io.js';
import { main } from './main.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const registry = new CommandRegistry()
  .register(demoCommand)
  .register(rpcinfoCommand)
  .register(serveCommand)
  .register(nfsCommand);

main(process.argv.slice(2), processIo(controller.signal), registry).then(
  (code) => {
    process.exitCode = controller.signal.aborted && code === 0 ? 130 : code;
  },
  (error: unknown) => {
    process.stderr.write(
      `rdmalab: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
