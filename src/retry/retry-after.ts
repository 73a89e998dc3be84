/**
 * Reading the server's timing hints: `retry-after-ms`, `retry-after` (seconds or an HTTP date),
 * and the RFC 3339 `anthropic-ratelimit-*-reset` times.
 */

export type HeaderSource = Headers | Record<string, string | string[] | undefined> | undefined | null;

export function getHeader(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? record[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The wait the server asked for, in milliseconds, or undefined when it gave no usable hint.
 * `retry-after-ms` wins over `retry-after`; a date in the past means "now" (0).
 */
export function parseRetryAfter(headers: HeaderSource, now: number): number | undefined {
  const ms = getHeader(headers, 'retry-after-ms');
  if (ms !== undefined && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const raw = getHeader(headers, 'retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw) * 1000;
  // An HTTP date names a weekday and a month; anything else (like "-4", which Date.parse takes as a year) is noise.
  if (!/[a-z]{3}/i.test(raw)) return undefined;
  const date = Date.parse(raw);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Parses an RFC 3339 timestamp; undefined for anything else. */
export function parseResetTime(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value.trim()))
    return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}

const LIMIT_KINDS = ['requests', 'input-tokens', 'output-tokens', 'tokens'] as const;

/**
 * For a 429: when the exhausted limit resets. Picks the limits whose `remaining` is 0 (or, when
 * none says so, all of them) and returns the latest of their reset times.
 */
export function rateLimitResetFromHeaders(headers: HeaderSource): Date | undefined {
  const all: Date[] = [];
  const exhausted: Date[] = [];
  for (const kind of LIMIT_KINDS) {
    const reset = parseResetTime(getHeader(headers, `anthropic-ratelimit-${kind}-reset`));
    if (!reset) continue;
    all.push(reset);
    if (getHeader(headers, `anthropic-ratelimit-${kind}-remaining`)?.trim() === '0') exhausted.push(reset);
  }
  const pool = exhausted.length > 0 ? exhausted : all;
  if (pool.length === 0) return undefined;
  return new Date(Math.max(...pool.map((d) => d.getTime())));
}
