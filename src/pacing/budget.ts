/**
 * A retry budget (after Finagle / Linkerd): over a sliding window, retries may be at most `ratio` of
 * the requests, plus a small floor so a quiet client can still retry. It stops a struggling server
 * from getting two or three times the load just when it can least take it.
 *
 * Retries that the overload gate will hold anyway (see pacer.ts: after a 529, or any server failure
 * while a model is overloaded) are excused: they wait behind the probe and add no load. So are
 * retries of a 429: the server named when to come back and the limiter holds the retry until the
 * limit has room, so it adds no load beyond what the server accepts. Counting them would make
 * several processes that share one key (each seeing the others' 429s) fail requests for nothing.
 */
import { ConfigurationError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import type { Classification } from '../retry/classify.js';
import type { RetryBudget } from '../retry/options.js';

export interface RetryBudgetOptions {
  /**
   * Retries allowed as a share of requests in the window.
   * @default 0.2
   */
  readonly ratio?: number;
  /**
   * Retries always allowed per window, whatever the ratio says.
   * @default 10
   */
  readonly minRetries?: number;
  /**
   * The sliding window, in milliseconds.
   * @default 10000
   */
  readonly windowMs?: number;
}

const EXCUSE_VALID_MS = 100;

export const RETRY_BUDGET_DEFAULTS = { ratio: 0.2, minRetries: 10, windowMs: 10_000 } as const;

function check(name: string, value: number | undefined, ok: (n: number) => boolean, rule: string): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && ok(value))) {
    throw new ConfigurationError(
      `Invalid pacing option \`retryBudget.${name}\`: expected ${rule}, got ${String(value)}.`,
    );
  }
}

export class SlidingRetryBudget implements RetryBudget {
  readonly ratio: number;
  readonly minRetries: number;
  readonly windowMs: number;
  private readonly clock: Clock;
  private readonly requests: number[] = [];
  private readonly retries: number[] = [];
  /** When each excuse was granted: the retry it is for is decided right after the failure. */
  private readonly excuses: number[] = [];

  constructor(options: RetryBudgetOptions = {}, clock: Clock = systemClock) {
    check('ratio', options.ratio, (n) => n >= 0, 'a number >= 0');
    check('minRetries', options.minRetries, (n) => n >= 0 && Number.isInteger(n), 'a whole number >= 0');
    check('windowMs', options.windowMs, (n) => n > 0, 'a number of milliseconds > 0');
    this.ratio = options.ratio ?? RETRY_BUDGET_DEFAULTS.ratio;
    this.minRetries = options.minRetries ?? RETRY_BUDGET_DEFAULTS.minRetries;
    this.windowMs = options.windowMs ?? RETRY_BUDGET_DEFAULTS.windowMs;
    this.clock = clock;
  }

  /** Counts a first attempt. */
  recordRequest(): void {
    const now = this.clock.now();
    this.requests.push(now);
    // Trimmed now and then, so a client that never retries does not keep every timestamp.
    if (this.requests.length % 1024 === 0) expire(this.requests, now - this.windowMs);
  }

  /** The next retry is free (the overload gate holds it). */
  excuseNextRetry(): void {
    this.excuses.push(this.clock.now());
  }

  tryRetry(failure?: Pick<Classification, 'kind'>): boolean {
    if (failure?.kind === 'rate_limit') return true;
    const now = this.clock.now();
    // An excuse not used at once (the call gave up for another reason) must not pay for a later retry.
    expire(this.excuses, now - EXCUSE_VALID_MS);
    if (this.excuses.length > 0) {
      this.excuses.shift();
      return true;
    }
    expire(this.requests, now - this.windowMs);
    expire(this.retries, now - this.windowMs);
    if (this.retries.length >= this.minRetries + this.ratio * this.requests.length) return false;
    this.retries.push(now);
    return true;
  }
}

function expire(times: number[], before: number): void {
  let drop = 0;
  while (drop < times.length && (times[drop] as number) <= before) drop++;
  if (drop > 0) times.splice(0, drop);
}
