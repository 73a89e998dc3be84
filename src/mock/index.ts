/** The simulated Anthropic Messages API: a real `node:http` server for tests, demos and the CLI. */
export { mergeFaultOptions, parseFaultSpec } from './fault-spec.js';
export { countInputTokens, countTokens } from './replies.js';
export { startMockServer } from './server.js';
export type {
  FaultOptions,
  MockServer,
  MockServerOptions,
  MockServerStats,
  ModelLimits,
  OverloadWindow,
  ScriptedStep,
  StreamInterruption,
} from './types.js';
