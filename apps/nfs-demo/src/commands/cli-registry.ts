import { benchCommand } from './bench.js';
import { demoCommand } from './demo.js';
import { nfsCommand } from './nfs.js';
import { CommandRegistry } from './registry.js';
import { rpcinfoCommand } from './rpcinfo.js';
import { scenarioCommand } from './scenario.js';
import { serveCommand } from './serve.js';
import { sweepCommand } from './sweep.js';

/** Every command the `rdmalab` executable offers. */
export function cliRegistry(): CommandRegistry {
  return new CommandRegistry()
    .register(demoCommand)
    .register(benchCommand)
    .register(rpcinfoCommand)
    .register(serveCommand)
    .register(nfsCommand)
    .register(scenarioCommand)
    .register(sweepCommand);
}
