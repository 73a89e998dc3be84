import { describe, expect, it } from 'vitest';
import { type BackoffStrategy, backoffStrategies, exponentialCeiling } from './backoff.js';

const policy = { baseDelay: 1000, factor: 2, maxDelay: 60_000 };

function schedule(strategy: BackoffStrategy, randoms: number[]): number[] {
  const delays: number[] = [];
  let previousDelay = policy.baseDelay;
  randoms.forEach((r, i) => {
    previousDelay = strategy({ ...policy, retry: i + 1, previousDelay, random: () => r });
    delays.push(previousDelay);
  });
  return delays;
}

describe('backoff strategies', () => {
  it('exponentialCeiling doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 6, 7, 8].map((retry) => exponentialCeiling({ ...policy, retry }))).toEqual([
      1000, 2000, 4000, 32_000, 60_000, 60_000,
    ]);
  });

  it('none is the bare exponential schedule', () => {
    expect(schedule(backoffStrategies.none, [0.9, 0.9, 0.9, 0.9])).toEqual([1000, 2000, 4000, 8000]);
  });

  it("additive is the original script's: delay plus up to 10%", () => {
    expect(schedule(backoffStrategies.additive, [0, 0.5, 1, 0.5])).toEqual([1000, 2100, 4400, 8400]);
  });

  it('full draws between 0 and the exponential ceiling', () => {
    expect(schedule(backoffStrategies.full, [0.5, 0.25, 0, 0.75])).toEqual([500, 500, 0, 6000]);
  });

  it('equal keeps half the ceiling and jitters the other half', () => {
    expect(schedule(backoffStrategies.equal, [0, 0.5, 1])).toEqual([500, 1500, 4000]);
  });

  it('decorrelated draws between the base and three times the previous delay, capped', () => {
    // prev 1000 -> [1000, 3000): 0.5 -> 2000; prev 2000 -> [1000, 6000): 0.5 -> 3500; prev 3500 -> 1 -> 10500
    expect(schedule(backoffStrategies.decorrelated, [0.5, 0.5, 1])).toEqual([2000, 3500, 10_500]);
    const capped = backoffStrategies.decorrelated({
      ...policy,
      retry: 9,
      previousDelay: 50_000,
      random: () => 1,
    });
    expect(capped).toBe(60_000);
  });
});
