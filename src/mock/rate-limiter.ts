import type { Clock } from '../internal/clock.js';
import { TokenBucket } from './token-bucket.js';
import type { ModelLimits } from './types.js';

/** Which limit refused a request (also the middle of its header names). */
export type LimitName = 'requests' | 'input-tokens' | 'output-tokens';

const UNITS: Record<LimitName, string> = {
  requests: 'requests',
  'input-tokens': 'input tokens',
  'output-tokens': 'output tokens',
};

type Buckets = Partial<Record<LimitName, TokenBucket>>;

export type Admission =
  | { ok: true; headers: Record<string, string>; settle(outputTokens: number): void }
  | {
      ok: false;
      limit: LimitName;
      retryAfterSeconds: number;
      message: string;
      headers: Record<string, string>;
    };

export interface RateLimiterOptions {
  clock: Clock;
  burstWindowSeconds: number;
  limits?: ModelLimits;
  modelLimits?: Record<string, ModelLimits>;
}

/** RFC 3339 without fractional seconds, rounded up to the next whole second. */
export function formatReset(epochMs: number): string {
  return new Date(Math.ceil(epochMs / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function formatRemaining(bucket: TokenBucket, level: number, isTokens: boolean): string {
  const whole = Math.max(0, Math.floor(level + 1e-9));
  if (isTokens && bucket.capacity >= 10_000) return String(Math.round(whole / 1000) * 1000);
  return String(whole);
}

/**
 * Per-model rate limits like the real API: requests (RPM), input tokens (ITPM) and output tokens
 * (OTPM), each a `TokenBucket` with capacity C = max(1, L / 60 * W) refilled at L / 60 per second.
 * A request costs 1 request, its counted input tokens and its `max_tokens` output tokens; the output
 * charge is corrected by `settle()` when the answer ends. All buckets are checked before any is
 * charged, so a refused request costs nothing.
 *
 * Headers, for every limited dimension (all consistent with what `admit` does):
 * - `-limit` is the per-minute limit L;
 * - `-remaining` is the bucket level now (after this request's charge): a request whose cost is at
 *   most `remaining` is admitted (requests exactly, floored; tokens floored, and rounded to the
 *   nearest thousand like the real API only when C >= 10000, since below that rounding would hide
 *   the whole bucket);
 * - `-reset` is when the bucket is full again (rounded up to the whole second, so pacing by it is
 *   never early). A client can recover C as remaining + (reset - now) * L / 60 s.
 * `tokens-*` repeats whichever of input/output tokens has the least remaining.
 */
export class RateLimiter {
  private readonly clock: Clock;
  private readonly window: number;
  private defaults: ModelLimits;
  private readonly perModel: Map<string, ModelLimits>;
  private readonly buckets = new Map<string, Buckets>();

  constructor(options: RateLimiterOptions) {
    this.clock = options.clock;
    this.window = options.burstWindowSeconds;
    this.defaults = { ...options.limits };
    this.perModel = new Map(Object.entries(options.modelLimits ?? {}));
  }

  /** Replaces the default limits (all models without their own) or one model's; buckets restart full. */
  setLimits(limits: ModelLimits, model?: string): void {
    if (model === undefined) {
      this.defaults = { ...limits };
      for (const name of [...this.buckets.keys()]) if (!this.perModel.has(name)) this.buckets.delete(name);
    } else {
      this.perModel.set(model, { ...limits });
      this.buckets.delete(model);
    }
  }

  admit(model: string, inputTokens: number, maxTokens: number): Admission {
    const buckets = this.bucketsFor(model);
    const now = this.clock.now();
    const costs: Record<LimitName, number> = {
      requests: 1,
      'input-tokens': inputTokens,
      'output-tokens': maxTokens,
    };
    let worst: { limit: LimitName; waitMs: number } | undefined;
    for (const limit of Object.keys(costs) as LimitName[]) {
      const waitMs = buckets[limit]?.waitMs(costs[limit], now) ?? 0;
      if (waitMs > 0 && (!worst || waitMs > worst.waitMs)) worst = { limit, waitMs };
    }
    if (worst) {
      const bucket = buckets[worst.limit] as TokenBucket;
      return {
        ok: false,
        limit: worst.limit,
        retryAfterSeconds: Math.max(1, Math.ceil(worst.waitMs / 1000 - 1e-9)),
        message:
          `Number of ${UNITS[worst.limit]} has exceeded your per-minute rate limit ` +
          `(${bucket.limitPerMinute} ${UNITS[worst.limit]} per minute for ${model}, enforced over ` +
          `${this.window} s windows). Wait for the time in the retry-after header before retrying.`,
        headers: this.headersOf(buckets, now),
      };
    }
    for (const limit of Object.keys(costs) as LimitName[]) buckets[limit]?.take(costs[limit], now);
    const output = buckets['output-tokens'];
    let settled = false;
    return {
      ok: true,
      headers: this.headersOf(buckets, now),
      settle: (outputTokens) => {
        if (settled) return;
        settled = true;
        output?.refund(maxTokens - outputTokens, this.clock.now());
      },
    };
  }

  /** The rate-limit headers of a model as they stand now (empty when it has no limits). */
  headers(model: string): Record<string, string> {
    return this.headersOf(this.bucketsFor(model), this.clock.now());
  }

  private bucketsFor(model: string): Buckets {
    let buckets = this.buckets.get(model);
    if (!buckets) {
      const limits = this.perModel.get(model) ?? this.defaults;
      const now = this.clock.now();
      const make = (limit: number | undefined) =>
        limit === undefined ? undefined : new TokenBucket(limit, this.window, now);
      buckets = {
        requests: make(limits.rpm),
        'input-tokens': make(limits.itpm),
        'output-tokens': make(limits.otpm),
      };
      this.buckets.set(model, buckets);
    }
    return buckets;
  }

  private headersOf(buckets: Buckets, now: number): Record<string, string> {
    const headers: Record<string, string> = {};
    let tightest: { bucket: TokenBucket; level: number } | undefined;
    for (const limit of Object.keys(UNITS) as LimitName[]) {
      const bucket = buckets[limit];
      if (!bucket) continue;
      const level = bucket.available(now);
      const isTokens = limit !== 'requests';
      setTriple(headers, limit, bucket, level, isTokens, now);
      if (
        isTokens &&
        (!tightest ||
          level < tightest.level ||
          (level === tightest.level && bucket.limitPerMinute < tightest.bucket.limitPerMinute))
      ) {
        tightest = { bucket, level };
      }
    }
    if (tightest) setTriple(headers, 'tokens', tightest.bucket, tightest.level, true, now);
    return headers;
  }
}

function setTriple(
  headers: Record<string, string>,
  name: string,
  bucket: TokenBucket,
  level: number,
  isTokens: boolean,
  now: number,
): void {
  const prefix = `anthropic-ratelimit-${name}`;
  headers[`${prefix}-limit`] = String(bucket.limitPerMinute);
  headers[`${prefix}-remaining`] = formatRemaining(bucket, level, isTokens);
  headers[`${prefix}-reset`] = formatReset(bucket.fullAt(now));
}
