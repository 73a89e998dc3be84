/**
 * The retry loop: runs an async operation, asks the classifier about each failure, waits as the
 * server or the backoff strategy says, and gives up with a RetryError that explains itself.
 */
import { type GiveUpReason, RetryError } from '../errors.js';
import { abortReason } from '../internal/clock.js';
import type { Classification } from './classify.js';
import {
  type GiveUpEvent,
  type ResolvedRetryOptions,
  type RetryOptions,
  resolveRetryOptions,
} from './options.js';
import { rateLimitResetFromHeaders } from './retry-after.js';

export interface AttemptContext {
  /** This attempt's number, from 1. */
  readonly attempt: number;
  /** Aborts when the caller aborts. */
  readonly signal: AbortSignal | undefined;
  /** Milliseconds left before the call's deadline, if it has one: use it as this attempt's timeout. */
  readonly remainingMs: number | undefined;
}

interface Plan {
  delay: number;
  source: 'server' | 'backoff';
}

export function retry<T>(fn: (context: AttemptContext) => Promise<T>, options?: RetryOptions): Promise<T> {
  let opts: ResolvedRetryOptions;
  try {
    opts = resolveRetryOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  return retryResolved(fn, opts);
}

/**
 * The loop itself, with options already checked and filled in (a client resolves its own once).
 * Most calls succeed at the first attempt, so it is made without the loop's machinery: its promise
 * is returned with only a failure handler attached, and the loop starts if it fails.
 */
export function retryResolved<T>(
  fn: (context: AttemptContext) => Promise<T>,
  opts: ResolvedRetryOptions,
): Promise<T> {
  const first = makeAttempt(fn, opts, 1);
  return first.then(undefined, (error: unknown) => retryAfterFailure(fn, opts, error));
}

/** One attempt's promise: a synchronous throw, or an abort before it starts, becomes its rejection. */
function makeAttempt<T>(
  fn: (context: AttemptContext) => Promise<T>,
  opts: ResolvedRetryOptions,
  attempt: number,
): Promise<T> {
  const { signal, deadline, clock } = opts;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const remainingMs = deadline === undefined ? undefined : Math.max(0, deadline - clock.now());
  try {
    return Promise.resolve(fn({ attempt, signal, remainingMs }));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The loop from the first failure on: judge it, wait, try again, until success or a reason to stop. */
async function retryAfterFailure<T>(
  fn: (context: AttemptContext) => Promise<T>,
  opts: ResolvedRetryOptions,
  firstError: unknown,
): Promise<T> {
  const { clock, signal } = opts;
  let previousDelay = opts.baseDelay;
  let error = firstError;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw abortReason(signal);
    const verdict = opts.classify(error, clock.now());
    if (!verdict.retryable) {
      opts.onGiveUp?.({ attempts: attempt, reason: 'not-retryable', error });
      throw error;
    }
    const plan = planDelay(opts, attempt, previousDelay, verdict);
    const giveUp = whyGiveUp(opts, attempt, plan, verdict);
    if (giveUp) throw giveUpWith(opts, giveUp, attempt, error, verdict, plan);
    previousDelay = plan.delay;
    opts.onRetry?.({
      attempt,
      delay: plan.delay,
      reason: verdict.kind,
      delaySource: plan.source,
      error,
      status: verdict.status,
      requestId: verdict.requestId,
    });
    await clock.sleep(plan.delay, signal);
    try {
      return await makeAttempt(fn, opts, attempt + 1);
    } catch (next) {
      error = next;
    }
  }
}

function planDelay(
  opts: ResolvedRetryOptions,
  attempt: number,
  previousDelay: number,
  verdict: Classification,
): Plan {
  if (verdict.retryAfterMs !== undefined) {
    const hint = verdict.retryAfterMs;
    return { delay: hint + opts.random() * opts.retryAfterJitter * hint, source: 'server' };
  }
  const delay = opts.strategy({
    retry: attempt,
    previousDelay,
    baseDelay: opts.baseDelay,
    factor: opts.factor,
    maxDelay: opts.maxDelay,
    random: opts.random,
  });
  return { delay: Math.max(0, delay), source: 'backoff' };
}

function whyGiveUp(
  opts: ResolvedRetryOptions,
  attempt: number,
  plan: Plan,
  verdict: Classification,
): GiveUpReason | undefined {
  if (attempt >= opts.maxAttempts) return 'attempts-exhausted';
  if (verdict.retryAfterMs !== undefined && verdict.retryAfterMs > opts.maxRetryAfter)
    return 'retry-after-too-long';
  if (opts.deadline !== undefined && opts.clock.now() + plan.delay >= opts.deadline) return 'deadline';
  if (opts.budget && !opts.budget.tryRetry(verdict)) return 'budget-exhausted';
  return undefined;
}

function giveUpWith(
  opts: ResolvedRetryOptions,
  reason: GiveUpReason,
  attempts: number,
  error: unknown,
  verdict: Classification,
  plan: Plan,
): RetryError {
  const now = opts.clock.now();
  const rateLimitReset = verdict.status === 429 ? rateLimitResetFromHeaders(verdict.headers) : undefined;
  const retryAt =
    verdict.retryAfterMs !== undefined ? new Date(now + verdict.retryAfterMs) : (rateLimitReset ?? undefined);
  const event: GiveUpEvent = { attempts, reason, error };
  opts.onGiveUp?.(event);
  return new RetryError(describeGiveUp(reason, attempts, verdict, opts, plan, retryAt), {
    reason,
    attempts,
    cause: error,
    requestId: verdict.requestId,
    status: verdict.status,
    retryAt,
    rateLimitReset,
  });
}

function describeFailure(verdict: Classification, error: unknown): string {
  const what = verdict.status !== undefined ? `HTTP ${verdict.status} (${verdict.kind})` : verdict.kind;
  const detail = error instanceof Error && error.message ? `: ${error.message}` : '';
  const id = verdict.requestId ? ` [request ${verdict.requestId}]` : '';
  return `${what}${detail}${id}`;
}

function describeGiveUp(
  reason: GiveUpReason,
  attempts: number,
  verdict: Classification,
  opts: ResolvedRetryOptions,
  plan: Plan,
  retryAt: Date | undefined,
): string {
  const last = describeFailure(verdict, undefined);
  const when = retryAt ? ` Try again after ${retryAt.toISOString()}.` : '';
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  switch (reason) {
    case 'attempts-exhausted':
      return `Gave up after ${tries}; the last failure was ${last}.${when}`;
    case 'deadline':
      return `Gave up after ${tries}: waiting ${Math.round(plan.delay)} ms more would pass the deadline; the last failure was ${last}.${when}`;
    case 'retry-after-too-long':
      return `Gave up after ${tries}: the server asked to wait ${formatSeconds(verdict.retryAfterMs ?? 0)}, longer than the ${formatSeconds(opts.maxRetryAfter)} allowed (maxRetryAfter); the last failure was ${last}.${when}`;
    case 'budget-exhausted':
      return `Gave up after ${tries}: the retry budget is spent (too many recent requests are retries); the last failure was ${last}.${when}`;
  }
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
