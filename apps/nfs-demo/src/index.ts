export { type Command, UsageError } from './command.js';
export { demoCommand, heldUp } from './commands/demo.js';
export { CommandRegistry } from './commands/registry.js';
export type { CliIo } from './io.js';
export { EXIT_USAGE, main } from './main.js';
export {
  runSeedStory,
  type SeedStoryOptions,
  type SeedStoryResult,
  type SendLifetime,
} from './story/seed-story.js';
