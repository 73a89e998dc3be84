import { describe, expect, it } from 'vitest';
import { parseResetTime, parseRetryAfter, rateLimitResetFromHeaders } from './retry-after.js';

const now = Date.parse('2026-12-04T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads whole and fractional seconds', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(parseRetryAfter(new Headers({ 'retry-after': '0.5' }), now)).toBe(500);
  });

  it('prefers retry-after-ms', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after': '3', 'retry-after-ms': '1250' }), now)).toBe(1250);
  });

  it('reads an HTTP date relative to now, and a past date as 0', () => {
    expect(parseRetryAfter({ 'retry-after': 'Fri, 04 Dec 2026 12:00:07 GMT' }, now)).toBe(7000);
    expect(parseRetryAfter({ 'retry-after': 'Fri, 04 Dec 2026 11:00:00 GMT' }, now)).toBe(0);
  });

  it('ignores missing and malformed hints', () => {
    expect(parseRetryAfter(new Headers(), now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': '-4' }, now)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after-ms': 'x', 'retry-after': '2' }, now)).toBe(2000);
  });
});

describe('rate-limit reset headers', () => {
  it('parses RFC 3339 and rejects other formats', () => {
    expect(parseResetTime('2026-12-04T12:00:05Z')?.toISOString()).toBe('2026-12-04T12:00:05.000Z');
    expect(parseResetTime('2026-12-04T13:00:05+01:00')?.toISOString()).toBe('2026-12-04T12:00:05.000Z');
    expect(parseResetTime('Fri, 04 Dec 2026 12:00:05 GMT')).toBeUndefined();
    expect(parseResetTime('tomorrow')).toBeUndefined();
  });

  it('picks the reset of the exhausted limit', () => {
    const headers = new Headers({
      'anthropic-ratelimit-requests-remaining': '12',
      'anthropic-ratelimit-requests-reset': '2026-12-04T12:00:30Z',
      'anthropic-ratelimit-output-tokens-remaining': '0',
      'anthropic-ratelimit-output-tokens-reset': '2026-12-04T12:00:04Z',
    });
    expect(rateLimitResetFromHeaders(headers)?.toISOString()).toBe('2026-12-04T12:00:04.000Z');
  });

  it('falls back to the latest reset when none says 0, and to undefined without headers', () => {
    const headers = new Headers({
      'anthropic-ratelimit-requests-reset': '2026-12-04T12:00:01Z',
      'anthropic-ratelimit-tokens-reset': '2026-12-04T12:00:09Z',
    });
    expect(rateLimitResetFromHeaders(headers)?.toISOString()).toBe('2026-12-04T12:00:09.000Z');
    expect(rateLimitResetFromHeaders(new Headers())).toBeUndefined();
  });
});
