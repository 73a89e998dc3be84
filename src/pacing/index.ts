/** Pacing: send only what the server will accept. See pacer.ts for the design. */
export { RETRY_BUDGET_DEFAULTS, type RetryBudgetOptions, SlidingRetryBudget } from './budget.js';
export { estimateInputTokens, type RequestCost } from './estimate.js';
export {
  type Dimension,
  type LimitReading,
  parseRateLimitHeaders,
  type RateLimitSnapshot,
} from './headers.js';
export { MemoryPacingStore } from './memory-store.js';
export {
  PACING_DEFAULTS,
  type PacingOptions,
  type PacingState,
  type PacingStateChange,
} from './options.js';
export { DEFAULT_OVERLOAD_POLICY, type OutcomeKind, type OverloadPolicy } from './overload.js';
export { createPacer, HeaderAwarePacer } from './pacer.js';
export { isRedisUnavailableError, RedisUnavailableError } from './redis/connection.js';
export { RedisPacingStore, type RedisPacingStoreOptions, type SharedStoreChange } from './redis-store.js';
export type { ClientPacingOptions, PacingStoreSpec } from './shared-store.js';
export type {
  PacingStore,
  SettleReport,
  SettleResult,
  StatedLimits,
  StorePolicy,
  TakeResult,
  Ticket,
  WaitReason,
} from './store.js';
