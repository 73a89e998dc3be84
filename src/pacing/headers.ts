/**
 * Reading `anthropic-ratelimit-{requests,input-tokens,output-tokens,tokens}-{limit,remaining,reset}`.
 * Anything missing or malformed is left out, never guessed: a dimension is reported only when its
 * limit and remaining are both clean numbers.
 */
import { getHeader, type HeaderSource, parseResetTime } from '../retry/retry-after.js';

export const DIMENSIONS = ['requests', 'input-tokens', 'output-tokens', 'tokens'] as const;
/** A rate-limited quantity, named as in the header names. */
export type Dimension = (typeof DIMENSIONS)[number];

export interface LimitReading {
  /** The per-minute limit. */
  readonly limit: number;
  /** What the server said was left when it admitted (or refused) the request. */
  readonly remaining: number;
  /** When the bucket is full again (epoch ms), if the header was a clean RFC 3339 time. */
  readonly resetAt: number | undefined;
}

export type RateLimitSnapshot = Partial<Record<Dimension, LimitReading>>;

const WHOLE = /^\d+$/;

function wholeNumber(raw: string | undefined): number | undefined {
  const text = raw?.trim();
  if (!text || !WHOLE.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** The readings in `headers`; an empty object when there are none. */
export function parseRateLimitHeaders(headers: HeaderSource): RateLimitSnapshot {
  const snapshot: RateLimitSnapshot = {};
  if (!headers) return snapshot;
  for (const dimension of DIMENSIONS) {
    const prefix = `anthropic-ratelimit-${dimension}`;
    // Most answers of an unlimited server carry none of these: one lookup per dimension then.
    const limit = wholeNumber(getHeader(headers, `${prefix}-limit`));
    if (limit === undefined || limit <= 0) continue;
    const remaining = wholeNumber(getHeader(headers, `${prefix}-remaining`));
    if (remaining === undefined) continue;
    const reset = parseResetTime(getHeader(headers, `${prefix}-reset`)?.trim());
    snapshot[dimension] = { limit, remaining, resetAt: reset?.getTime() };
  }
  // `tokens-*` repeats the tightest of input/output when those are present: counting it again would
  // charge every token twice. It is kept only alone (an older combined token limit).
  if (snapshot['input-tokens'] || snapshot['output-tokens']) delete snapshot.tokens;
  return snapshot;
}

export function hasReadings(snapshot: RateLimitSnapshot): boolean {
  return Object.keys(snapshot).length > 0;
}
