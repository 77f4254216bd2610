import type { Command } from '../command.js';

/** The CLI's commands by name: a registry instead of a switch, so a command is one file. */
export class CommandRegistry {
  readonly #commands = new Map<string, Command>();

  register(command: Command): this {
    if (this.#commands.has(command.name)) throw new Error(`command "${command.name}" registered twice`);
    this.#commands.set(command.name, command);
    return this;
  }

  get(name: string): Command | undefined {
    return this.#commands.get(name);
  }

  list(): Command[] {
    return [...this.#commands.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
