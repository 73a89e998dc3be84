import { describe, expect, it } from 'vitest';
import type { BucketState } from './bucket.js';
import { applyReading, type ReadingContext, remainingBounds } from './learn.js';

const T0 = 1_700_000_000_000;

function ctx(extra: Partial<ReadingContext> = {}): ReadingContext {
  return {
    now: T0,
    sentAt: T0,
    admissionCharge: 1,
    laterRefund: 0,
    unaccounted: { after: 0, possiblyAfter: 0 },
    pending: 0,
    ...extra,
  };
}

const reading = (remaining: number, resetAt?: number) => ({ limit: 2400, remaining, resetAt });

describe('remainingBounds', () => {
  it('reads requests as floored, and token counts that are multiples of 1000 as rounded', () => {
    expect(remainingBounds('requests', 39)).toEqual({ low: 39, high: 40 });
    expect(remainingBounds('requests', 3000)).toEqual({ low: 3000, high: 3001 });
    expect(remainingBounds('output-tokens', 123)).toEqual({ low: 123, high: 124 });
    expect(remainingBounds('output-tokens', 9000)).toEqual({ low: 8500, high: 9500 });
    expect(remainingBounds('input-tokens', 0)).toEqual({ low: 0, high: 1 });
  });
});

describe('applyReading', () => {
  it('starts a bucket at the lower edge of what the first reading proves', () => {
    // 39 left after our request was charged, one request of ours may not show yet.
    const b = applyReading(
      'requests',
      undefined,
      reading(39, T0 + 1000),
      ctx({
        unaccounted: { after: 1, possiblyAfter: 2 },
        pending: 2,
      }),
    );
    // Settled level 39 - 2 = 37; stored before the 2 pending: 39.
    expect(b).toEqual({ limit: 2400, level: 39, updatedAt: T0, capLow: 40, capHigh: 80 });
  });

  it('keeps our own figure inside the band, raises it to the lower edge, lowers it to what the server said', () => {
    const known: BucketState = { limit: 2400, level: 10, updatedAt: T0, capLow: 40, capHigh: 40 };
    // Band for remaining 12: [12, 13]; ours is 10: raised to 12.
    expect(applyReading('requests', known, reading(12), ctx()).level).toBe(12);
    // Remaining 5; ours is 10: lowered to what the server said (another client spent some).
    expect(applyReading('requests', known, reading(5), ctx()).level).toBe(5);
    // Inside the band [9, 10 + 0.04 * 100]: kept.
    expect(applyReading('requests', known, reading(9), ctx({ sentAt: T0 - 100 })).level).toBe(10);
  });

  it('never raises from a reading of 0 (the server may be in debt) and still lowers', () => {
    const known: BucketState = { limit: 2400, level: -30, updatedAt: T0, capLow: 40, capHigh: 40 };
    expect(applyReading('requests', known, reading(0), ctx()).level).toBe(-30);
    const optimistic: BucketState = { ...known, level: 20 };
    expect(applyReading('requests', optimistic, reading(0), ctx()).level).toBe(0);
  });

  it('adds back the unused max_tokens refunded after the reading', () => {
    const known: BucketState = { limit: 60_000, level: 0, updatedAt: T0, capLow: 1000, capHigh: 1000 };
    const b = applyReading(
      'output-tokens',
      known,
      { limit: 60_000, remaining: 200, resetAt: undefined },
      ctx({
        admissionCharge: 800,
        laterRefund: 750,
      }),
    );
    expect(b.level).toBe(950);
    expect(b.capLow).toBe(1000);
  });

  it('tightens capacity bounds: capLow from remaining plus the charge, capHigh from the reset', () => {
    let b = applyReading('requests', undefined, reading(30, T0 + 999), ctx({ sentAt: T0 - 1 }));
    expect([b.capLow, b.capHigh]).toEqual([31, 31 + 0.04 * 1000]);
    b = applyReading('requests', b, reading(38, T0 + 51), ctx({ now: T0 + 10, sentAt: T0 + 10 }));
    expect([b.capLow, b.capHigh]).toEqual([39, 39 + 0.04 * 41]);
    // A reset that would make the bucket smaller than proven (clock skew) is not believed.
    b = applyReading('requests', b, reading(38, T0 - 5000), ctx({ now: T0 + 20, sentAt: T0 + 20 }));
    expect([b.capLow, b.capHigh]).toEqual([39, 39]);
  });

  it('forgets capacity bounds when the limit changes', () => {
    const known: BucketState = { limit: 600, level: 3, updatedAt: T0, capLow: 10, capHigh: 10 };
    const b = applyReading('requests', known, { limit: 2400, remaining: 0, resetAt: undefined }, ctx());
    expect([b.limit, b.capLow, b.capHigh]).toEqual([2400, 0, Number.POSITIVE_INFINITY]);
  });

  it('after a 429 refused in this dimension, caps the level by what the retry-after says was missing', () => {
    const known: BucketState = { limit: 60_000, level: 900, updatedAt: T0, capLow: 1000, capHigh: 1000 };
    // Needed 800; "retry after 2 s" means at least 1 s of refill (1000 tokens) was missing.
    const b = applyReading(
      'output-tokens',
      known,
      { limit: 60_000, remaining: 0, resetAt: undefined },
      ctx({
        admissionCharge: 0,
        refusal: { retryAfterMs: 2000, need: 800 },
      }),
    );
    expect(b.level).toBe(-200);
  });
});
