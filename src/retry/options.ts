import { ConfigurationError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import { type BackoffStrategy, backoffStrategies, isJitterName, type JitterName } from './backoff.js';
import { type Classification, type Classifier, classifyError, type FailureKind } from './classify.js';

export interface RetryEvent {
  /** The attempt that just failed, from 1. */
  readonly attempt: number;
  /** How long we will wait before the next attempt, in milliseconds. */
  readonly delay: number;
  /** Why: the kind of failure. */
  readonly reason: FailureKind;
  /** Whether the delay came from the server's retry-after or from the backoff strategy. */
  readonly delaySource: 'server' | 'backoff';
  readonly error: unknown;
  readonly status?: number | undefined;
  readonly requestId?: string | undefined;
}

export interface GiveUpEvent {
  readonly attempts: number;
  readonly reason:
    | 'attempts-exhausted'
    | 'deadline'
    | 'retry-after-too-long'
    | 'budget-exhausted'
    | 'not-retryable';
  readonly error: unknown;
}

/** Lets a shared policy (see pacing) refuse a retry when too many recent requests are retries. */
export interface RetryBudget {
  /** Called before each retry with the failure; false means "do not retry now": the call gives up. */
  tryRetry(failure: Pick<Classification, 'kind' | 'status'>): boolean;
}

export interface RetryOptions {
  /**
   * Attempts in all, the first included.
   * @default 5
   */
  readonly maxAttempts?: number;
  /**
   * Delay before the first retry, in milliseconds.
   * @default 1000
   */
  readonly baseDelay?: number;
  /**
   * Growth of the delay per retry.
   * @default 2
   */
  readonly factor?: number;
  /**
   * Cap on a computed delay, in milliseconds.
   * @default 60000
   */
  readonly maxDelay?: number;
  /**
   * How the delay is randomised: a strategy name or your own function.
   * @default 'full'
   */
  readonly jitter?: JitterName | BackoffStrategy;
  /**
   * The longest server-requested wait (retry-after) we agree to sleep, in milliseconds. A longer
   * hint ends the call at once with a RetryError that says when to try again.
   * @default maxDelay
   */
  readonly maxRetryAfter?: number;
  /**
   * Random share added to a server-requested wait, so clients told "1 second" do not all return in
   * the same millisecond: the wait becomes hint * (1 + random() * retryAfterJitter).
   * @default 0.1
   */
  readonly retryAfterJitter?: number;
  /** Total time allowed for the call, all attempts and waits included: milliseconds from now, or a Date. */
  readonly deadline?: number | Date;
  readonly signal?: AbortSignal;
  /** @default the system clock */
  readonly clock?: Clock;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default classifyError: the official SDK's rules plus mid-stream error types. */
  readonly classify?: Classifier;
  readonly budget?: RetryBudget;
  readonly onRetry?: (event: RetryEvent) => void;
  readonly onGiveUp?: (event: GiveUpEvent) => void;
}

export interface ResolvedRetryOptions {
  maxAttempts: number;
  baseDelay: number;
  factor: number;
  maxDelay: number;
  strategy: BackoffStrategy;
  maxRetryAfter: number;
  retryAfterJitter: number;
  deadline: number | undefined;
  signal: AbortSignal | undefined;
  clock: Clock;
  random: () => number;
  classify: Classifier;
  budget: RetryBudget | undefined;
  onRetry: ((event: RetryEvent) => void) | undefined;
  onGiveUp: ((event: GiveUpEvent) => void) | undefined;
}

export const RETRY_DEFAULTS = {
  maxAttempts: 5,
  baseDelay: 1000,
  factor: 2,
  maxDelay: 60_000,
  jitter: 'full',
  retryAfterJitter: 0.1,
} as const;

function check(name: string, value: number | undefined, min: number, integer = false): void {
  if (value === undefined) return;
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    value < min ||
    (integer && !Number.isInteger(value))
  ) {
    throw new ConfigurationError(
      `Invalid retry option \`${name}\`: expected ${integer ? 'an integer' : 'a number'} >= ${min}, got ${String(value)}.`,
    );
  }
}

export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  check('maxAttempts', options.maxAttempts, 1, true);
  check('baseDelay', options.baseDelay, 0);
  check('factor', options.factor, 1);
  check('maxDelay', options.maxDelay, 0);
  check('maxRetryAfter', options.maxRetryAfter, 0);
  check('retryAfterJitter', options.retryAfterJitter, 0);
  const jitter = options.jitter ?? RETRY_DEFAULTS.jitter;
  if (typeof jitter !== 'function' && !isJitterName(jitter)) {
    throw new ConfigurationError(
      `Invalid retry option \`jitter\`: ${String(jitter)}. Use one of: ${Object.keys(backoffStrategies).join(', ')}.`,
    );
  }
  const clock = options.clock ?? systemClock;
  let deadline: number | undefined;
  if (options.deadline instanceof Date) deadline = options.deadline.getTime();
  else if (options.deadline !== undefined) {
    check('deadline', options.deadline, 0);
    deadline = clock.now() + options.deadline;
  }
  const maxDelay = options.maxDelay ?? RETRY_DEFAULTS.maxDelay;
  return {
    maxAttempts: options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts,
    baseDelay: options.baseDelay ?? RETRY_DEFAULTS.baseDelay,
    factor: options.factor ?? RETRY_DEFAULTS.factor,
    maxDelay,
    strategy: typeof jitter === 'function' ? jitter : backoffStrategies[jitter],
    maxRetryAfter: options.maxRetryAfter ?? maxDelay,
    retryAfterJitter: options.retryAfterJitter ?? RETRY_DEFAULTS.retryAfterJitter,
    deadline,
    signal: options.signal,
    clock,
    random: options.random ?? Math.random,
    classify: options.classify ?? classifyError,
    budget: options.budget,
    onRetry: options.onRetry,
    onGiveUp: options.onGiveUp,
  };
}
