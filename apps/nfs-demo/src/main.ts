import { UsageError } from './command.js';
import type { CommandRegistry } from './commands/registry.js';
import type { CliIo } from './io.js';

/** Exit codes: 0 ok, 1 a run found a failure, 2 bad usage, 130 interrupted. */
export const EXIT_USAGE = 2;

function overview(registry: CommandRegistry): string {
  const rows = registry.list().map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return [
    'usage: rdmalab <command> [options]',
    '',
    'commands:',
    ...rows,
    '',
    'rdmalab <command> --help for details.',
  ].join('\n');
}

/** Dispatch argv (without node and script) to a command; returns the exit code. */
export async function main(argv: readonly string[], io: CliIo, registry: CommandRegistry): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview(registry));
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = registry.get(name);
  if (!command) {
    const names = registry
      .list()
      .map((c) => c.name)
      .join(', ');
    io.err(`rdmalab: unknown command "${name}". Valid commands: ${names}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`rdmalab ${name}: ${error.message}\n\n${command.usage}`);
      return EXIT_USAGE;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      io.err(`rdmalab ${name}: ${error.message}\n\n${command.usage}`);
      return EXIT_USAGE;
    }
    throw error;
  }
}
