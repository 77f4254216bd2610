#!/usr/bin/env node
import 'reflect-metadata';
import { cliRegistry } from './commands/cli-registry.js';
import { processIo } from './io.js';
import { main } from './main.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

main(process.argv.slice(2), processIo(controller.signal), cliRegistry()).then(
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
