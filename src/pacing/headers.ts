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

const PREFIX = 'anthropic-ratelimit-';

/**
 * The `anthropic-ratelimit-*` fields of a fetch `Headers` object, in one pass. Its iteration is
 * sorted by name (Fetch standard), so these names form one block: the pass stops at the first name
 * after it, which on most answers is among the first few. Far cheaper than a `get` per name, each
 * of which validates and lower-cases its argument.
 */
function rateLimitFields(headers: Headers): Map<string, string> | undefined {
  let fields: Map<string, string> | undefined;
  for (const [name, value] of headers) {
    if (name.startsWith(PREFIX)) {
      fields ??= new Map();
      fields.set(name, value);
    } else if (name > PREFIX) break;
  }
  return fields;
}

/** A lookup of one header by (lower-case) name. */
type Lookup = (name: string) => string | undefined;

function lookupIn(headers: NonNullable<HeaderSource>): Lookup | undefined {
  if (typeof Headers === 'function' && headers instanceof Headers) {
    const fields = rateLimitFields(headers);
    return fields && ((name) => fields.get(name));
  }
  return (name) => getHeader(headers, name);
}

/** The readings in `headers`; an empty object when there are none. */
export function parseRateLimitHeaders(headers: HeaderSource): RateLimitSnapshot {
  const snapshot: RateLimitSnapshot = {};
  const lookup = headers ? lookupIn(headers) : undefined;
  if (!lookup) return snapshot;
  for (const names of HEADER_NAMES) {
    // `tokens-*` repeats the tightest of input/output when those are present: counting it again
    // would charge every token twice. It is kept only alone (an older combined token limit).
    if (names.dimension === 'tokens' && (snapshot['input-tokens'] || snapshot['output-tokens'])) break;
    const limit = wholeNumber(lookup(names.limit));
    if (limit === undefined || limit <= 0) continue;
    const remaining = wholeNumber(lookup(names.remaining));
    if (remaining === undefined) continue;
    snapshot[names.dimension] = { limit, remaining, resetAt: resetAt(lookup(names.reset)) };
  }
  return snapshot;
}

export function hasReadings(snapshot: RateLimitSnapshot): boolean {
  return Object.keys(snapshot).length > 0;
}
