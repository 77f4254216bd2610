import { delayedSendCompletion } from './delayed-send-completion.js';
import { ScenarioRegistry } from './registry.js';

/** Every scenario of DESIGN.md §6, in its order. */
export function builtinScenarios(): ScenarioRegistry {
  return new ScenarioRegistry().register(delayedSendCompletion);
}
