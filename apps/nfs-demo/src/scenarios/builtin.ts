import { delayedSendCompletion } from './delayed-send-completion.js';
import { emptyRingWakeupRace } from './empty-ring-wakeup-race.js';
import { fastregSqWrap } from './fastreg-sq-wrap.js';
import { inlineBufferRecycle } from './inline-buffer-recycle.js';
import { partition } from './partition.js';
import { prepFailureSlotLeak } from './prep-failure-slot-leak.js';
import { ScenarioRegistry } from './registry.js';
import { sendctxExhaustion } from './sendctx-exhaustion.js';

/** Every scenario of DESIGN.md §6, in its order. */
export function builtinScenarios(): ScenarioRegistry {
  return new ScenarioRegistry()
    .register(delayedSendCompletion)
    .register(partition)
    .register(sendctxExhaustion)
    .register(emptyRingWakeupRace)
    .register(fastregSqWrap)
    .register(inlineBufferRecycle)
    .register(prepFailureSlotLeak);
}
