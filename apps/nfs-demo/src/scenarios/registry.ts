import type { Scenario } from './scenario.js';

/** Scenarios by name: each scenario file registers itself; the CLI lists and runs what is here. */
export class ScenarioRegistry {
  readonly #scenarios = new Map<string, Scenario>();

  register(scenario: Scenario): this {
    if (this.#scenarios.has(scenario.name)) throw new Error(`scenario "${scenario.name}" registered twice`);
    this.#scenarios.set(scenario.name, scenario);
    return this;
  }

  get(name: string): Scenario | undefined {
    return this.#scenarios.get(name);
  }

  /** In registration order (DESIGN.md §6 order for the built-in ones). */
  list(): Scenario[] {
    return [...this.#scenarios.values()];
  }

  get names(): string[] {
    return [...this.#scenarios.keys()];
  }
}
