/**
 * Errors this package throws. Each has a brand so `isX()` guards work even when two copies of the
 * package are loaded (instanceof would not).
 */

const brand = Symbol.for('claude-retry.error');

export type GiveUpReason =
  /** Every allowed attempt failed with a retryable error. */
  | 'attempts-exhausted'
  /** The next wait would pass the caller's deadline. */
  | 'deadline'
  /** The server asked us to wait longer than the policy's cap. */
  | 'retry-after-too-long'
  /** The retry budget is spent: too many recent requests are already retries. */
  | 'budget-exhausted';

export class ClaudeRetryError extends Error {
  readonly [brand] = true;
  override name = 'ClaudeRetryError';
}

export function isClaudeRetryError(error: unknown): error is ClaudeRetryError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}

export interface RetryErrorDetails {
  reason: GiveUpReason;
  attempts: number;
  cause: unknown;
  /** `request-id` of the last answer, when there was one. */
  requestId?: string | undefined;
  /** HTTP status of the last answer, when there was one. */
  status?: number | undefined;
  /** When the server said to try again (retry-after), or when the limit that was hit resets. */
  retryAt?: Date | undefined;
  /** For a 429: the reset time read from `anthropic-ratelimit-*-reset` for the limit that ran out. */
  rateLimitReset?: Date | undefined;
}

/** Thrown when the retry engine gives up on a retryable failure. The last error is `cause`. */
export class RetryError extends ClaudeRetryError {
  override name = 'RetryError';
  readonly reason: GiveUpReason;
  readonly attempts: number;
  readonly requestId: string | undefined;
  readonly status: number | undefined;
  readonly retryAt: Date | undefined;
  readonly rateLimitReset: Date | undefined;

  constructor(message: string, details: RetryErrorDetails) {
    super(message, { cause: details.cause });
    this.reason = details.reason;
    this.attempts = details.attempts;
    this.requestId = details.requestId;
    this.status = details.status;
    this.retryAt = details.retryAt;
    this.rateLimitReset = details.rateLimitReset;
  }
}

export function isRetryError(error: unknown): error is RetryError {
  return isClaudeRetryError(error) && error.name === 'RetryError';
}

/** Bad options or input from the caller: says which and what to do. */
export class ConfigurationError extends ClaudeRetryError {
  override name = 'ConfigurationError';
}

export function isConfigurationError(error: unknown): error is ConfigurationError {
  return isClaudeRetryError(error) && error.name === 'ConfigurationError';
}
