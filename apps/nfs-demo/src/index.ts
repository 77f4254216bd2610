export { type Command, UsageError } from './command.js';
export { demoCommand, heldUp } from './commands/demo.js';
export { createNfsCommand, nfsCommand } from './commands/nfs.js';
export { CommandRegistry } from './commands/registry.js';
export {
  createRpcinfoCommand,
  formatRpcinfo,
  type RpcinfoEntry,
  rpcinfoCommand,
  rpcinfoEntry,
} from './commands/rpcinfo.js';
export { createServeCommand, serveCommand } from './commands/serve.js';
export type { CliIo } from './io.js';
export { EXIT_USAGE, main } from './main.js';
export { type ComposeNfsStack, composeNfsStack, type NfsStackOptions } from './stack/compose.js';
export {
  RDMA_BACKENDS,
  type RdmaBackend,
  TRANSPORT_NAMES,
  type TransportChoice,
  type TransportName,
  TransportUnavailableError,
} from './stack/transport-choice.js';
export {
  runSeedStory,
  type SeedStoryOptions,
  type SeedStoryResult,
  type SendLifetime,
} from './story/seed-story.js';
