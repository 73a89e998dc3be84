/** The public API of claude-retry. Everything a user may import is exported here, and only here. */

export type { InputFormat, RequestDefaults } from './batch/input.js';
export type { BatchResultLine, ResultError, ResultMeta } from './batch/result-lines.js';
export type { TornTail } from './batch/results-file.js';
export { BATCH_DEFAULTS, runBatch } from './batch/runner.js';
export type { BatchEvent, BatchOptions, BatchSummary } from './batch/types.js';
export type { ClaudeRetryClient, ClientOptions, RequestOptions } from './client/create-client.js';
export { createClient } from './client/create-client.js';
export type { ClientEvent, ClientEventMap, ClientEventType } from './client/events.js';
export type { AttemptOutcome, Pacer, PacingRequest, Permit } from './client/pacer.js';
export {
  type AttemptUsage,
  type InterruptPolicy,
  isStreamInterruptedError,
  type RestartEvent,
  RetryingMessageStream,
  type StreamAction,
  type StreamAttempt,
  type StreamEvent,
  StreamInterruptedError,
  type StreamListeners,
  type StreamParams,
  type StreamRequestOptions,
  type StreamRetryEvent,
} from './client/stream/index.js';
export {
  ClaudeRetryError,
  ConfigurationError,
  type GiveUpReason,
  isClaudeRetryError,
  isConfigurationError,
  isRetryError,
  RetryError,
} from './errors.js';
export { type Clock, systemClock } from './internal/clock.js';
export type {
  FaultOptions,
  MockServer,
  MockServerOptions,
  MockServerStats,
  ModelLimits,
  OverloadWindow,
  ScriptedStep,
  StreamInterruption,
} from './mock/index.js';
export { parseFaultSpec, startMockServer } from './mock/index.js';
export {
  type ClientPacingOptions,
  createPacer,
  DEFAULT_OVERLOAD_POLICY,
  type Dimension,
  estimateInputTokens,
  HeaderAwarePacer,
  isRedisUnavailableError,
  type LimitReading,
  MemoryPacingStore,
  type OutcomeKind,
  type OverloadPolicy,
  PACING_DEFAULTS,
  type PacingOptions,
  type PacingState,
  type PacingStateChange,
  type PacingStore,
  type PacingStoreSpec,
  parseRateLimitHeaders,
  type RateLimitSnapshot,
  RETRY_BUDGET_DEFAULTS,
  RedisPacingStore,
  type RedisPacingStoreOptions,
  RedisUnavailableError,
  type RequestCost,
  type RetryBudgetOptions,
  type SettleReport,
  type SettleResult,
  type SharedStoreChange,
  SlidingRetryBudget,
  type StatedLimits,
  type StorePolicy,
  type TakeResult,
  type Ticket,
  type WaitReason,
} from './pacing/index.js';
export {
  type BackoffInput,
  type BackoffPolicy,
  type BackoffStrategy,
  backoffStrategies,
  type JitterName,
} from './retry/backoff.js';
export { type Classification, type Classifier, classifyError, type FailureKind } from './retry/classify.js';
export type { GiveUpEvent, RetryBudget, RetryEvent, RetryOptions } from './retry/options.js';
export { RETRY_DEFAULTS } from './retry/options.js';
export { type AttemptContext, retry } from './retry/retry.js';
export { parseRetryAfter, rateLimitResetFromHeaders } from './retry/retry-after.js';

// The distributed batch (BullMQ) is at 'claude-retry/distributed', so this entry does not load BullMQ.
