import { describe, expect, it } from 'vitest';
import { parseRateLimitHeaders } from './headers.js';

const T = Date.parse('2026-01-02T03:04:05Z');

function triple(name: string, limit: string, remaining: string, reset: string): Record<string, string> {
  return {
    [`anthropic-ratelimit-${name}-limit`]: limit,
    [`anthropic-ratelimit-${name}-remaining`]: remaining,
    [`anthropic-ratelimit-${name}-reset`]: reset,
  };
}

describe('parseRateLimitHeaders', () => {
  it('reads every dimension, with RFC 3339 resets in UTC, with fractions and with offsets', () => {
    const headers = new Headers({
      ...triple('requests', '2400', '39', '2026-01-02T03:04:05Z'),
      ...triple('input-tokens', '400000', '399000', '2026-01-02T03:04:05.250Z'),
      ...triple('output-tokens', '80000', '79000', '2026-01-02T04:04:06+01:00'),
    });
    expect(parseRateLimitHeaders(headers)).toEqual({
      requests: { limit: 2400, remaining: 39, resetAt: T },
      'input-tokens': { limit: 400_000, remaining: 399_000, resetAt: T + 250 },
      'output-tokens': { limit: 80_000, remaining: 79_000, resetAt: T + 1000 },
    });
  });

  it('drops tokens-* when input or output readings are there (it repeats the tightest of them)', () => {
    const both = {
      ...triple('output-tokens', '8000', '10', '2026-01-02T03:04:05Z'),
      ...triple('tokens', '8000', '10', ''),
    };
    expect(Object.keys(parseRateLimitHeaders(both))).toEqual(['output-tokens']);
    const alone = triple('tokens', '90000', '89000', '2026-01-02T03:04:05Z');
    expect(parseRateLimitHeaders(alone)).toEqual({
      tokens: { limit: 90_000, remaining: 89_000, resetAt: T },
    });
  });

  it('keeps a reading whose reset is missing or malformed, without a reset time', () => {
    for (const reset of ['', 'soon', '2026-01-02 03:04:05', '1767323045', '2026-13-45T99:99:99Z']) {
      expect(parseRateLimitHeaders(triple('requests', '60', '5', reset))).toEqual({
        requests: { limit: 60, remaining: 5, resetAt: undefined },
      });
    }
  });

  it('ignores a dimension whose limit or remaining is missing or not a whole number', () => {
    const cases: [string, string][] = [
      ['', '5'],
      ['60', ''],
      ['sixty', '5'],
      ['60', '-1'],
      ['60', '4.5'],
      ['0', '0'],
      ['-60', '5'],
      ['60', '1e3'],
      ['99999999999999999999', '5'],
    ];
    for (const [limit, remaining] of cases) {
      expect(parseRateLimitHeaders(triple('requests', limit, remaining, '2026-01-02T03:04:05Z'))).toEqual({});
    }
  });

  it('finds the readings among headers that sort before, between and after them, in any case', () => {
    const headers = new Headers({
      'Anthropic-Organization-Id': 'org',
      'anthropic-ratelimit': 'not one of them',
      'ANTHROPIC-RATELIMIT-REQUESTS-LIMIT': '50',
      'Anthropic-Ratelimit-Requests-Remaining': '49',
      'anthropic-ratelimits': 'not one of them either',
      'content-type': 'application/json',
      'anthropic-ratelimit-output-tokens-limit': '8000',
      'anthropic-ratelimit-output-tokens-remaining': '7000',
      'x-after': '1',
    });
    expect(parseRateLimitHeaders(headers)).toEqual({
      requests: { limit: 50, remaining: 49, resetAt: undefined },
      'output-tokens': { limit: 8000, remaining: 7000, resetAt: undefined },
    });
  });

  it('reads a repeated header as the fetch standard combines it, and then ignores it', () => {
    const headers = new Headers([
      ['anthropic-ratelimit-requests-limit', '50'],
      ['anthropic-ratelimit-requests-limit', '60'],
      ['anthropic-ratelimit-requests-remaining', '5'],
    ]);
    // "50, 60" is not a whole number.
    expect(parseRateLimitHeaders(headers)).toEqual({});
  });

  it('returns nothing for no headers, other headers, or a plain record', () => {
    expect(parseRateLimitHeaders(undefined)).toEqual({});
    expect(parseRateLimitHeaders(new Headers({ 'retry-after': '1' }))).toEqual({});
    expect(
      parseRateLimitHeaders({
        'anthropic-ratelimit-requests-limit': '60',
        'anthropic-ratelimit-requests-remaining': ' 7 ',
      }),
    ).toEqual({
      requests: { limit: 60, remaining: 7, resetAt: undefined },
    });
  });
});
