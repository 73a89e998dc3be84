import { describe, expect, it } from 'vitest';
import { isConfigurationError } from '../errors.js';
import { VirtualClock } from '../internal/test-support/virtual-clock.js';
import { SlidingRetryBudget } from './budget.js';

describe('SlidingRetryBudget', () => {
  it('allows the floor, then a share of the requests in the window', () => {
    const clock = new VirtualClock({ auto: false });
    const budget = new SlidingRetryBudget({ ratio: 0.2, minRetries: 2, windowMs: 10_000 }, clock);
    for (let i = 0; i < 10; i++) budget.recordRequest();
    // 2 + 0.2 * 10 = 4 retries.
    expect([1, 2, 3, 4, 5].map(() => budget.tryRetry())).toEqual([true, true, true, true, false]);
    budget.recordRequest();
    budget.recordRequest();
    budget.recordRequest();
    budget.recordRequest();
    budget.recordRequest(); // 15 requests: 2 + 3 = 5
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
  });

  it('forgets requests and retries once they leave the window', async () => {
    const clock = new VirtualClock({ auto: false });
    const budget = new SlidingRetryBudget({ ratio: 0, minRetries: 1, windowMs: 1000 }, clock);
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    await clock.advance(999);
    expect(budget.tryRetry()).toBe(false);
    await clock.advance(1);
    expect(budget.tryRetry()).toBe(true);
  });

  it('lets an excused retry through without spending, but only right after the excuse', async () => {
    const clock = new VirtualClock({ auto: false });
    const budget = new SlidingRetryBudget({ ratio: 0, minRetries: 0 }, clock);
    expect(budget.tryRetry()).toBe(false);
    budget.excuseNextRetry();
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    budget.excuseNextRetry();
    await clock.advance(100);
    expect(budget.tryRetry()).toBe(false);
  });

  it('never refuses the retry of a 429 (the limiter holds it) and does not spend on it', () => {
    const clock = new VirtualClock({ auto: false });
    const budget = new SlidingRetryBudget({ ratio: 0, minRetries: 1 }, clock);
    expect([1, 2, 3].map(() => budget.tryRetry({ kind: 'rate_limit' }))).toEqual([true, true, true]);
    expect(budget.tryRetry({ kind: 'overloaded' })).toBe(true);
    expect(budget.tryRetry({ kind: 'server_error' })).toBe(false);
    expect(budget.tryRetry({ kind: 'rate_limit' })).toBe(true);
  });

  it('uses 20% with a floor of 10 over 10 s by default', () => {
    const budget = new SlidingRetryBudget({}, new VirtualClock({ auto: false }));
    expect([budget.ratio, budget.minRetries, budget.windowMs]).toEqual([0.2, 10, 10_000]);
  });

  it('refuses bad options with a ConfigurationError naming them', () => {
    for (const [options, name] of [
      [{ ratio: -1 }, 'retryBudget.ratio'],
      [{ minRetries: 1.5 }, 'retryBudget.minRetries'],
      [{ windowMs: 0 }, 'retryBudget.windowMs'],
      [{ ratio: Number.NaN }, 'retryBudget.ratio'],
    ] as const) {
      let error: unknown;
      try {
        new SlidingRetryBudget(options);
      } catch (caught) {
        error = caught;
      }
      expect(isConfigurationError(error)).toBe(true);
      expect((error as Error).message).toContain(`\`${name}\``);
    }
  });
});
