import { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { isRetryError, type RetryError } from '../errors.js';
import { sequenceRandom, VirtualClock } from '../internal/test-support/virtual-clock.js';
import type { RetryEvent } from './options.js';
import { retry } from './retry.js';

function apiError(status: number, headers: Record<string, string> = {}): APIError {
  return APIError.generate(
    status,
    { type: 'error', error: { type: 'x', message: 'm' } },
    undefined,
    new Headers({ 'request-id': `req_${status}`, ...headers }),
  );
}

/** An operation that fails with the given errors in turn, then returns 'ok'. */
function failing(...errors: unknown[]) {
  let calls = 0;
  const fn = async () => {
    const error = errors[calls++];
    if (error !== undefined) throw error;
    return 'ok';
  };
  return { fn, calls: () => calls };
}

async function rejection(promise: Promise<unknown>): Promise<RetryError> {
  try {
    await promise;
  } catch (error) {
    return error as RetryError;
  }
  throw new Error('expected a rejection');
}

describe('retry', () => {
  it('returns the first success and schedules the exact backoff delays', async () => {
    const clock = new VirtualClock();
    const op = failing(apiError(429), apiError(529), apiError(500));
    const result = await retry(op.fn, { clock, random: () => 0.5, jitter: 'none' });
    expect(result).toBe('ok');
    expect(op.calls()).toBe(4);
    expect(clock.sleeps).toEqual([1000, 2000, 4000]);
  });

  it("uses the original script's numbers by default: 5 attempts, full jitter from 1 s doubling", async () => {
    const clock = new VirtualClock();
    const errors = Array.from({ length: 6 }, () => apiError(529));
    const error = await rejection(retry(failing(...errors).fn, { clock, random: () => 0.5 }));
    expect(isRetryError(error)).toBe(true);
    expect(error.attempts).toBe(5);
    expect(error.reason).toBe('attempts-exhausted');
    expect(clock.sleeps).toEqual([500, 1000, 2000, 4000]);
  });

  it('schedules each jitter strategy exactly', async () => {
    const cases = {
      none: [1000, 2000, 4000],
      additive: [1050, 2100, 4200],
      full: [500, 1000, 2000],
      equal: [750, 1500, 3000],
      decorrelated: [2000, 3500, 5750],
    } as const;
    for (const [jitter, expected] of Object.entries(cases)) {
      const clock = new VirtualClock();
      const op = failing(apiError(503), apiError(503), apiError(503));
      await retry(op.fn, { clock, random: () => 0.5, jitter: jitter as keyof typeof cases });
      expect(clock.sleeps, jitter).toEqual(expected);
    }
  });

  it('caps the computed delay at maxDelay', async () => {
    const clock = new VirtualClock();
    const op = failing(...Array.from({ length: 4 }, () => apiError(500)));
    await retry(op.fn, {
      clock,
      jitter: 'none',
      baseDelay: 1000,
      factor: 10,
      maxDelay: 15_000,
      maxAttempts: 5,
    });
    expect(clock.sleeps).toEqual([1000, 10_000, 15_000, 15_000]);
  });

  it('honours retry-after over the computed delay, with up to 10% jitter on top', async () => {
    const clock = new VirtualClock();
    const op = failing(apiError(429, { 'retry-after': '3' }), apiError(429, { 'retry-after-ms': '200' }));
    const events: RetryEvent[] = [];
    await retry(op.fn, { clock, random: sequenceRandom(0.5, 0), onRetry: (e) => events.push(e) });
    expect(clock.sleeps).toEqual([3150, 200]);
    expect(events.map((e) => [e.attempt, e.delay, e.reason, e.delaySource, e.status, e.requestId])).toEqual([
      [1, 3150, 'rate_limit', 'server', 429, 'req_429'],
      [2, 200, 'rate_limit', 'server', 429, 'req_429'],
    ]);
  });

  it('gives up at once when retry-after is beyond the cap, saying when to try again', async () => {
    const clock = new VirtualClock();
    const op = failing(apiError(429, { 'retry-after': '600' }));
    const error = await rejection(retry(op.fn, { clock }));
    expect(clock.sleeps).toEqual([]);
    expect(error.reason).toBe('retry-after-too-long');
    expect(error.retryAt?.getTime()).toBe(clock.now() + 600_000);
    expect(error.message).toContain('asked to wait 600 s, longer than the 60 s allowed');
    expect(error.message).toContain(`Try again after ${new Date(clock.now() + 600_000).toISOString()}`);
  });

  it('never retries 400, 401, 403, 404 or x-should-retry: false', async () => {
    for (const error of [
      apiError(400),
      apiError(401),
      apiError(403),
      apiError(404),
      apiError(500, { 'x-should-retry': 'false' }),
    ]) {
      const clock = new VirtualClock();
      const op = failing(error);
      await expect(retry(op.fn, { clock })).rejects.toBe(error);
      expect(op.calls()).toBe(1);
      expect(clock.sleeps).toEqual([]);
    }
  });

  it('retries a 4xx the server marks x-should-retry: true, and connection errors', async () => {
    const clock = new VirtualClock();
    const op = failing(
      apiError(400, { 'x-should-retry': 'true' }),
      new APIConnectionError({ message: 'reset' }),
    );
    await expect(retry(op.fn, { clock, random: () => 0, jitter: 'none' })).resolves.toBe('ok');
    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it('keeps the last error, request id and rate-limit reset on the final error', async () => {
    const clock = new VirtualClock();
    const last = apiError(429, {
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '2026-12-04T12:00:30Z',
    });
    const error = await rejection(retry(failing(apiError(429), last).fn, { clock, maxAttempts: 2 }));
    expect(error.cause).toBe(last);
    expect(error.requestId).toBe('req_429');
    expect(error.status).toBe(429);
    expect(error.rateLimitReset?.toISOString()).toBe('2026-12-04T12:00:30.000Z');
    expect(error.message).toBe(
      'Gave up after 2 attempts; the last failure was HTTP 429 (rate_limit) [request req_429]. Try again after 2026-12-04T12:00:30.000Z.',
    );
  });

  it('stops when the next wait would pass the deadline', async () => {
    const clock = new VirtualClock();
    const op = failing(apiError(500), apiError(500), apiError(500));
    const error = await rejection(retry(op.fn, { clock, jitter: 'none', deadline: 2500 }));
    expect(clock.sleeps).toEqual([1000]);
    expect(error.reason).toBe('deadline');
    expect(op.calls()).toBe(2);
  });

  it('passes the remaining time to each attempt', async () => {
    const clock = new VirtualClock();
    const seen: Array<number | undefined> = [];
    const op = failing(apiError(500));
    await retry(
      async (ctx) => {
        seen.push(ctx.remainingMs);
        return op.fn();
      },
      { clock, jitter: 'none', deadline: 10_000 },
    );
    expect(seen).toEqual([10_000, 9000]);
  });

  it('an abort during the wait stops at once with the abort reason', async () => {
    const clock = new VirtualClock({ auto: false });
    const controller = new AbortController();
    const op = failing(apiError(529), apiError(529));
    const promise = retry(op.fn, { clock, signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.pending).toBe(1);
    controller.abort(new Error('user cancelled'));
    await expect(promise).rejects.toThrow('user cancelled');
    expect(clock.pending).toBe(0);
    expect(op.calls()).toBe(1);
  });

  it('does not start when already aborted', async () => {
    const op = failing();
    await expect(retry(op.fn, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(op.calls()).toBe(0);
  });

  it('gives up when the budget refuses a retry', async () => {
    const clock = new VirtualClock();
    let allowed = 1;
    const budget = { tryRetry: () => allowed-- > 0 };
    const error = await rejection(
      retry(failing(apiError(529), apiError(529), apiError(529)).fn, { clock, budget }),
    );
    expect(error.reason).toBe('budget-exhausted');
    expect(error.attempts).toBe(2);
  });

  it('reports giving up once, with the reason', async () => {
    const clock = new VirtualClock();
    const reasons: string[] = [];
    await rejection(
      retry(failing(apiError(401)).fn, { clock, onGiveUp: (e) => reasons.push(`${e.reason}/${e.attempts}`) }),
    );
    await rejection(
      retry(failing(apiError(500), apiError(500)).fn, {
        clock,
        maxAttempts: 2,
        onGiveUp: (e) => reasons.push(`${e.reason}/${e.attempts}`),
      }),
    );
    expect(reasons).toEqual(['not-retryable/1', 'attempts-exhausted/2']);
  });

  it('treats an operation that throws instead of rejecting like one that rejects, at any attempt', async () => {
    const clock = new VirtualClock();
    let calls = 0;
    const fn = (() => {
      calls++;
      if (calls < 3) throw apiError(503);
      return Promise.resolve('ok');
    }) as () => Promise<string>;
    expect(await retry(fn, { clock, random: () => 0.5, jitter: 'none' })).toBe('ok');
    expect(calls).toBe(3);
    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it('accepts an operation that returns a plain value', async () => {
    const fn = (() => 42) as unknown as () => Promise<number>;
    expect(await retry(fn)).toBe(42);
  });

  it('rejects bad options with a message naming the option', async () => {
    await expect(retry(async () => 1, { maxAttempts: 0 })).rejects.toThrow(
      'Invalid retry option `maxAttempts`: expected an integer >= 1, got 0.',
    );
    await expect(retry(async () => 1, { jitter: 'wobbly' as 'full' })).rejects.toThrow(
      'Invalid retry option `jitter`: wobbly. Use one of: none, additive, full, equal, decorrelated.',
    );
  });
});
