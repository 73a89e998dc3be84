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

/** Each dimension's three header names, built once: they are looked up on every answer. */
const HEADER_NAMES = DIMENSIONS.map((dimension) => {
  const prefix = `anthropic-ratelimit-${dimension}`;
  return { dimension, limit: `${prefix}-limit`, remaining: `${prefix}-remaining`, reset: `${prefix}-reset` };
});

/**
 * The last reset time parsed: answers that arrive within the same second carry the same text, so
 * most answers need no parsing at all.
 */
let lastReset: { text: string; at: number | undefined } = { text: '', at: undefined };

function resetAt(raw: string | undefined): number | undefined {
  const text = raw?.trim();
  if (!text) return undefined;
  if (text !== lastReset.text) lastReset = { text, at: parseResetTime(text)?.getTime() };
  return lastReset.at;
}

/** The readings in `headers`; an empty object when there are none. */
export function parseRateLimitHeaders(headers: HeaderSource): RateLimitSnapshot {
  const snapshot: RateLimitSnapshot = {};
  if (!headers) return snapshot;
  for (const names of HEADER_NAMES) {
    // `tokens-*` repeats the tightest of input/output when those are present: counting it again
    // would charge every token twice. It is kept only alone (an older combined token limit).
    if (names.dimension === 'tokens' && (snapshot['input-tokens'] || snapshot['output-tokens'])) break;
    // Most answers of an unlimited server carry none of these: one lookup per dimension then.
    const limit = wholeNumber(getHeader(headers, names.limit));
    if (limit === undefined || limit <= 0) continue;
    const remaining = wholeNumber(getHeader(headers, names.remaining));
    if (remaining === undefined) continue;
    snapshot[names.dimension] = { limit, remaining, resetAt: resetAt(getHeader(headers, names.reset)) };
  }
  return snapshot;
}

export function hasReadings(snapshot: RateLimitSnapshot): boolean {
  return Object.keys(snapshot).length > 0;
}
