import type { MessageCreateParams } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { isRetryError } from '../errors.js';
import { VirtualClock } from '../internal/test-support/virtual-clock.js';
import type { PacingStateChange } from './options.js';
import { createPacer, outcomeKind } from './pacer.js';

const T0 = 1_700_000_000_000;

function params(maxTokens = 10): MessageCreateParams {
  return { model: 'm', max_tokens: maxTokens, messages: [{ role: 'user', content: 'Hi' }] };
}

function headers(limits: Record<string, [number, number]>): Headers {
  const h = new Headers();
  for (const [name, [limit, remaining]] of Object.entries(limits)) {
    h.set(`anthropic-ratelimit-${name}-limit`, String(limit));
    h.set(`anthropic-ratelimit-${name}-remaining`, String(remaining));
  }
  return h;
}

function setup(options: Parameters<typeof createPacer>[0] = {}) {
  const clock = new VirtualClock({ start: T0, auto: false });
  const changes: PacingStateChange[] = [];
  const pacer = createPacer({ clock, onStateChange: (c) => changes.push(c), ...options });
  const order: string[] = [];
  const acquire = (
    name: string,
    extra: { maxTokens?: number; signal?: AbortSignal; deadline?: number; attempt?: number } = {},
  ) => {
    const promise = Promise.resolve(
      pacer.acquire({
        model: 'm',
        params: params(extra.maxTokens),
        signal: extra.signal,
        deadline: extra.deadline,
        attempt: extra.attempt,
      }),
    );
    promise.then(
      () => order.push(name),
      () => order.push(`${name} rejected`),
    );
    return promise;
  };
  /** Lets every queued promise callback run (a macrotask turn comes after all microtasks). */
  const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
  /** Moves virtual time on in 1 ms steps, letting the pacer react after each. */
  const advance = async (ms: number) => {
    for (let i = 0; i < ms; i++) {
      await clock.advance(1);
      await flush();
    }
  };
  return { pacer, changes, order, acquire, flush, clock: { advance } };
}

describe('HeaderAwarePacer', () => {
  it('starts with one request in flight, then opens up to the maximum once headers show the limits', async () => {
    const { acquire, order, flush } = setup();
    const first = await acquire('a');
    acquire('b');
    acquire('c');
    await flush();
    expect(order).toEqual(['a']);
    first.settle({ status: 200, headers: headers({ requests: [6000, 99] }) });
    await flush();
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('without headers, allows one more in flight per success (doubling each round trip)', async () => {
    const { acquire, order, flush } = setup();
    (await acquire('a')).settle({ status: 200 });
    const b = await acquire('b');
    const c = await acquire('c');
    acquire('d');
    await flush();
    expect(order).toEqual(['a', 'b', 'c']);
    b.settle({ status: 200 });
    c.settle({ status: 200 });
    await flush();
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('serves waiters first come, first served: a small request does not overtake a big one', async () => {
    // 60,000 output tokens per minute: 1 per ms; 10 left of a bucket of at least 20.
    const { acquire, order, flush, clock } = setup();
    (await acquire('first')).settle({ status: 200, headers: headers({ 'output-tokens': [60_000, 10] }) });
    acquire('big', { maxTokens: 15 });
    acquire('small', { maxTokens: 5 });
    await flush();
    expect(order).toEqual(['first']);
    await clock.advance(4);
    expect(order).toEqual(['first']);
    await clock.advance(1);
    expect(order).toEqual(['first', 'big']);
    await clock.advance(4);
    expect(order).toEqual(['first', 'big']);
    await clock.advance(1);
    expect(order).toEqual(['first', 'big', 'small']);
  });

  it('an abort while waiting rejects with the abort reason and lets the next one through', async () => {
    const { acquire, order, flush, clock, pacer } = setup();
    (await acquire('first')).settle({ status: 200, headers: headers({ requests: [600, 0] }) });
    const abort = new AbortController();
    const waiting = acquire('aborted', { signal: abort.signal });
    acquire('next');
    await flush();
    expect(pacer.waiting('m')).toBe(2);
    abort.abort(new Error('user gave up'));
    await expect(waiting).rejects.toThrow('user gave up');
    expect(pacer.waiting('m')).toBe(1);
    await clock.advance(100);
    expect(order).toEqual(['first', 'aborted rejected', 'next']);
  });

  it('rejects at once, with a RetryError that says why, when the wait would pass the deadline', async () => {
    const { acquire, flush, clock } = setup();
    (await acquire('first')).settle({ status: 200, headers: headers({ requests: [600, 0] }) });
    const late = acquire('late', { deadline: T0 + 50, attempt: 3 });
    const inTime = acquire('in time', { deadline: T0 + 200 });
    await flush();
    const error = await late.catch((e: unknown) => e);
    expect(isRetryError(error)).toBe(true);
    expect(error).toMatchObject({ reason: 'deadline', attempts: 2, retryAt: new Date(T0 + 100) });
    expect((error as Error).message).toBe(
      'Waiting 100 ms for the requests limit (600 per minute) of m would pass the deadline of this call (50 ms left); the attempt was not sent. Allow a longer deadline, or send less at once.',
    );
    await clock.advance(100);
    await expect(inTime).resolves.toBeDefined();
  });

  it('reports paced, throttled, overloaded and recovered as they happen', async () => {
    const { acquire, flush, clock, changes } = setup();
    (await acquire('a')).settle({ status: 200, headers: headers({ requests: [600, 0] }) });
    const b = acquire('b');
    await flush();
    await clock.advance(100);
    const refused = headers({ requests: [600, 0] });
    refused.set('retry-after', '1');
    (await b).settle({ status: 429, headers: refused });
    const c = acquire('c');
    await clock.advance(100);
    (await c).settle({ status: 529 });
    await flush();
    const probe = acquire('probe');
    await clock.advance(250);
    (await probe).settle({ status: 200 });
    await flush();
    expect(changes).toEqual([
      {
        model: 'm',
        state: 'paced',
        detail:
          'held to the requests limit (600 per minute): requests wait their turn instead of drawing 429s',
      },
      {
        model: 'm',
        state: 'throttled',
        detail: 'the server answered 429 (retry-after 1000 ms); the limiter lowered its estimate',
      },
      {
        model: 'm',
        state: 'overloaded',
        detail: 'the server answered 529 overloaded; holding requests, probing from 250 ms',
      },
      { model: 'm', state: 'recovered', detail: 'the server answered again after 250 ms' },
    ]);
  });

  it('excuses the retry of a 529 from the budget, which otherwise caps retries', async () => {
    const { acquire, flush, pacer } = setup({ retryBudget: { ratio: 0, minRetries: 0 } });
    const budget = pacer.budget;
    if (!budget) throw new Error('expected a budget');
    (await acquire('a')).settle({ status: 500 });
    await flush();
    expect(budget.tryRetry()).toBe(false);
    (await acquire('b')).settle({ status: 529 });
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    expect(createPacer({ retryBudget: false }).budget).toBeUndefined();
  });

  it('refuses bad options with a ConfigurationError naming them', () => {
    expect(() => createPacer({ rpm: 0 })).toThrow(
      'Invalid pacing option `rpm`: expected a number > 0, got 0.',
    );
    expect(() => createPacer({ maxConcurrency: 1.5 })).toThrow(
      '`maxConcurrency`: expected a whole number > 0',
    );
    expect(() => createPacer({ overload: { firstProbeDelay: 500, maxProbeDelay: 100 } })).toThrow(
      '`overload.maxProbeDelay`: expected a delay >= firstProbeDelay (500), got 100.',
    );
    expect(() => createPacer({ overload: { failureShare: 2 } })).toThrow('`overload.failureShare`');
  });
});

describe('outcomeKind', () => {
  it('sorts answers and failures for the overload signal', () => {
    const now = T0;
    expect(outcomeKind({ status: 200 }, now)).toBe('success');
    expect(outcomeKind({ status: 429 }, now)).toBe('rate_limited');
    expect(outcomeKind({ status: 529 }, now)).toBe('overloaded');
    expect(outcomeKind({ status: 503 }, now)).toBe('server_error');
    expect(outcomeKind({ status: 400 }, now)).toBe('client_error');
    expect(outcomeKind({ error: Object.assign(new Error('x'), { type: 'overloaded_error' }) }, now)).toBe(
      'overloaded',
    );
    expect(outcomeKind({ error: Object.assign(new Error('socket'), { code: 'ECONNRESET' }) }, now)).toBe(
      'connection',
    );
    expect(outcomeKind({ error: new DOMException('stop', 'AbortError') }, now)).toBe('abandoned');
  });
});
