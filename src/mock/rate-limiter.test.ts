import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../internal/test-support/virtual-clock.js';
import { formatReset, RateLimiter } from './rate-limiter.js';
import type { ModelLimits } from './types.js';

// 2023-11-14T22:13:20.000Z, a whole second, so reset times are easy to read.
const T0 = 1_700_000_000_000;

function limiter(limits: ModelLimits, burstWindowSeconds = 1, modelLimits?: Record<string, ModelLimits>) {
  const clock = new VirtualClock({ start: T0, auto: false });
  return { clock, limiter: new RateLimiter({ clock, burstWindowSeconds, limits, modelLimits }) };
}

function refused(admission: ReturnType<RateLimiter['admit']>) {
  if (admission.ok) throw new Error('expected a refusal');
  return admission;
}

describe('RateLimiter', () => {
  it('with 60 RPM over 1 s windows admits one request, refuses the next for 1 s, then admits again', async () => {
    const { clock, limiter: rl } = limiter({ rpm: 60 });
    const first = rl.admit('m', 10, 100);
    expect(first.ok).toBe(true);
    expect(first.headers).toEqual({
      'anthropic-ratelimit-requests-limit': '60',
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '2023-11-14T22:13:21Z',
    });
    const second = refused(rl.admit('m', 10, 100));
    expect(second.limit).toBe('requests');
    expect(second.retryAfterSeconds).toBe(1);
    expect(second.message).toMatch(
      /^Number of requests has exceeded your per-minute rate limit \(60 requests/,
    );
    await clock.advance(999);
    expect(refused(rl.admit('m', 10, 100)).retryAfterSeconds).toBe(1);
    await clock.advance(1);
    expect(rl.admit('m', 10, 100).ok).toBe(true);
  });

  it('over a 60 s window lets a whole minute of requests through at once', () => {
    const { limiter: rl } = limiter({ rpm: 5 }, 60);
    for (let i = 0; i < 5; i++) expect(rl.admit('m', 1, 1).ok).toBe(true);
    const sixth = refused(rl.admit('m', 1, 1));
    expect(sixth.retryAfterSeconds).toBe(12);
    expect(sixth.headers['anthropic-ratelimit-requests-reset']).toBe('2023-11-14T22:14:20Z');
  });

  it('names the input-token limit and charges nothing when refusing', async () => {
    const { clock, limiter: rl } = limiter({ rpm: 600, itpm: 6000 }); // 10 requests, 100 input tokens per second
    expect(rl.admit('m', 80, 1).ok).toBe(true);
    const tooBig = refused(rl.admit('m', 50, 1));
    expect(tooBig.limit).toBe('input-tokens');
    expect(tooBig.message).toMatch(/^Number of input tokens has exceeded/);
    expect(tooBig.retryAfterSeconds).toBe(1); // 30 tokens short at 100 per second: 0.3 s, rounded up
    // The refusal took no request: 9 remain, as after the first request.
    expect(tooBig.headers['anthropic-ratelimit-requests-remaining']).toBe('9');
    expect(tooBig.headers['anthropic-ratelimit-input-tokens-remaining']).toBe('20');
    await clock.advance(300);
    expect(rl.admit('m', 50, 1).ok).toBe(true);
  });

  it('charges OTPM from max_tokens at admission and refunds the unused part when settled', async () => {
    const { clock, limiter: rl } = limiter({ otpm: 60_000 }); // capacity 1000, 1000 per second
    const first = rl.admit('m', 1, 800);
    if (!first.ok) throw new Error('expected admission');
    expect(first.headers['anthropic-ratelimit-output-tokens-remaining']).toBe('200');
    const blocked = refused(rl.admit('m', 1, 500));
    expect(blocked.limit).toBe('output-tokens');
    expect(blocked.message).toMatch(/^Number of output tokens has exceeded/);
    first.settle(50); // 750 unused tokens come back
    first.settle(50); // settling twice changes nothing
    expect(rl.headers('m')['anthropic-ratelimit-output-tokens-remaining']).toBe('950');
    const second = rl.admit('m', 1, 500);
    expect(second.ok).toBe(true);
    await clock.advance(1000);
    expect(rl.headers('m')['anthropic-ratelimit-output-tokens-remaining']).toBe('1000');
  });

  it('admits a max_tokens above the burst capacity when the bucket is full, then makes later requests wait', () => {
    const { limiter: rl } = limiter({ otpm: 8000 }); // capacity 133.3, 133.3 per second
    const big = rl.admit('m', 1, 1000);
    expect(big.ok).toBe(true);
    expect(big.headers['anthropic-ratelimit-output-tokens-remaining']).toBe('0');
    const next = refused(rl.admit('m', 1, 10));
    // 866.7 tokens of debt plus the 10 needed, at 133.3 per second: 6.58 s.
    expect(next.retryAfterSeconds).toBe(7);
  });

  it('rounds token remaining to the nearest thousand only when the bucket holds at least 10000', () => {
    const big = limiter({ itpm: 1_200_000 }).limiter; // capacity 20000
    expect(big.admit('m', 1234, 1).headers['anthropic-ratelimit-input-tokens-remaining']).toBe('19000');
    expect(big.admit('m', 1300, 1).headers['anthropic-ratelimit-input-tokens-remaining']).toBe('17000');
    const small = limiter({ itpm: 40_000 }).limiter; // capacity 666.7: rounding would hide it
    expect(small.admit('m', 100, 1).headers['anthropic-ratelimit-input-tokens-remaining']).toBe('566');
    const requests = limiter({ rpm: 1_200_000 }).limiter; // requests are never rounded
    expect(requests.admit('m', 1, 1).headers['anthropic-ratelimit-requests-remaining']).toBe('19999');
  });

  it('reports the token limit with the least remaining as tokens-*', () => {
    const { limiter: rl } = limiter({ itpm: 60_000, otpm: 30_000 }); // capacities 1000 and 500
    const headers = rl.admit('m', 100, 100).headers;
    expect(headers['anthropic-ratelimit-tokens-limit']).toBe('30000');
    expect(headers['anthropic-ratelimit-tokens-remaining']).toBe('400');
    const after = rl.admit('m', 800, 10).headers; // input 100 left, output 390
    expect(after['anthropic-ratelimit-tokens-limit']).toBe('60000');
    expect(after['anthropic-ratelimit-tokens-remaining']).toBe('100');
    expect(after['anthropic-ratelimit-tokens-reset']).toBe(after['anthropic-ratelimit-input-tokens-reset']);
  });

  it('keeps separate buckets per model and honours per-model limits', () => {
    const { limiter: rl } = limiter({ rpm: 60 }, 1, { fast: { rpm: 600 }, free: {} });
    expect(rl.admit('a', 1, 1).ok).toBe(true);
    expect(rl.admit('b', 1, 1).ok).toBe(true);
    expect(rl.admit('a', 1, 1).ok).toBe(false);
    for (let i = 0; i < 10; i++) expect(rl.admit('fast', 1, 1).ok).toBe(true);
    expect(rl.admit('fast', 1, 1).ok).toBe(false);
    for (let i = 0; i < 100; i++) expect(rl.admit('free', 1_000_000, 1_000_000).ok).toBe(true);
    expect(rl.headers('free')).toEqual({});
  });

  it('restarts buckets full when limits change', () => {
    const { limiter: rl } = limiter({ rpm: 60 });
    expect(rl.admit('m', 1, 1).ok).toBe(true);
    rl.setLimits({ rpm: 120 });
    expect(rl.admit('m', 1, 1).ok).toBe(true);
    expect(rl.admit('m', 1, 1).ok).toBe(true);
    expect(rl.admit('m', 1, 1).ok).toBe(false);
    rl.setLimits({}, 'm');
    expect(rl.admit('m', 1, 1).ok).toBe(true);
    expect(rl.headers('m')).toEqual({});
  });
});

describe('formatReset', () => {
  it('prints RFC 3339 without fractions, rounded up to the second', () => {
    expect(formatReset(T0)).toBe('2023-11-14T22:13:20Z');
    expect(formatReset(T0 + 1)).toBe('2023-11-14T22:13:21Z');
    expect(formatReset(T0 + 999)).toBe('2023-11-14T22:13:21Z');
  });
});
