export { CmAgent, type CmAgentOptions, type CmAgentSettings, type CmAgentStats } from './cm-agent.js';
export { AgentCmId, type CmIdState } from './cm-id.js';
export {
  CMA_CM_RESPONSE_TIMEOUT,
  CMA_IBOE_PACKET_LIFETIME,
  CMA_MAX_CM_RETRIES,
  cmRetryTimeoutNs,
  ibTimeoutNs,
} from './cm-timing.js';
export type { GsiDevice } from './gsi-device.js';
